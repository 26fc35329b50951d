from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "wangge.people"
    verbose_name = "人口与户"
