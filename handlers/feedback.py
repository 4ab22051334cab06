"""(being written)"""

ROUTES: dict = {}
