"""Entry point: python -m farm COMMAND."""
from farm.cli import main

if __name__ == "__main__":
    main(prog_name="python -m farm")
