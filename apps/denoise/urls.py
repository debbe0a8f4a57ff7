api_urlpatterns: list = []

# Included under the "denoise" namespace by aeweb/urls.py.
page_urlpatterns: list = []
