from django.conf import settings
from rest_framework import pagination


class Pagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M`, at most 100 rows a page."""

    page_size = settings.PRISTAN_CASES_PER_PAGE
    page_size_query_param = "page_size"
    max_page_size = 100
