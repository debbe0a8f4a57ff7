api_urlpatterns: list = []

# Included under the "gallery" namespace by aeweb/urls.py.
page_urlpatterns: list = []
