from lingban_kit.serve import serve
from lingban_supervision.settings import SupervisionSettings

if __name__ == "__main__":
    serve("lingban_supervision.app:create_app", SupervisionSettings())
