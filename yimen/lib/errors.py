"""The one shape of a refused action: a stable `.code` for programs and a translated `.message`
for people. Each app's services raise their own subclass (CatalogError, HallError, QueueError)."""


class Refused(Exception):
    def __init__(self, code: str, message: str):
        self.code, self.message = code, message
        super().__init__(message)
