from lingban_kit.serve import serve
from lingban_reporting.settings import ReportingSettings

if __name__ == "__main__":
    serve("lingban_reporting.app:create_app", ReportingSettings())
