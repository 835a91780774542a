"""Why an import is refused: the exceptions reading, checking and restoring a file raise."""


class ImportRefused(Exception):
    """The file cannot be restored here; the message says why."""


class FileProblems(ImportRefused):
    """The file breaks the format: one line per problem, ``where: what``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems
