from lingban_kit.serve import serve
from lingban_projects.settings import ProjectsSettings

if __name__ == "__main__":
    serve("lingban_projects.app:create_app", ProjectsSettings())
