from django.http import HttpResponse


def datasets_page(request):
    return HttpResponse("datasets")


def rate_page(request):
    return HttpResponse("rate")
