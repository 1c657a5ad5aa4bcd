from lingban_kit.serve import serve
from lingban_notifications.settings import NotificationsSettings

if __name__ == "__main__":
    serve("lingban_notifications.app:create_app", NotificationsSettings())
