from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "wangge.tasks"
    label = "tasks"
    verbose_name = "任务与工作台"
