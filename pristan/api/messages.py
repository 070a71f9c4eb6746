"""The API's own messages, translated into the language the request asks for (Accept-Language)."""

from django.utils.translation import gettext_lazy as _

TOKEN_REFUSED = _("This access token is not valid: it is unknown, expired or revoked, or its user can no longer sign in.")
NOT_SIGNED_IN = _("Sign in, or send a personal access token in the Authorization header.")
TOKEN_NO_READ = _("This access token does not allow reading %(resource)s.")
TOKEN_NO_WRITE = _("This access token does not allow changing %(resource)s.")
NOT_FOUND = _("Not found.")
UNKNOWN_OFFICE = _("Choose an office where you may register persons.")
NO_SUCH_OFFICE = _("Choose an office by its code.")
UNKNOWN_PERSON = _("Choose a person whose case you can see.")
UNKNOWN_ORGANISATION = _("Choose a partner organisation from the directory.")
UNKNOWN_SERVICE = _("Choose a service of this case.")
UNKNOWN_OBJECTIVE = _("Choose an objective of this case.")
BAD_ORDERING = _("Order by one of: %(choices)s.")
NO_WRITABLE_CASE = _("Your role lets you read this person's record, not change it.")
UNKNOWN_VISIT = _("Choose a planned visit of this case.")
NOTHING_TO_CONFIRM = _("This import is not waiting for confirmation.")
NOTHING_TO_IMPORT = _("There is nothing to import: every row is unchanged or has a problem.")
NOT_A_REGISTRAR = _("You do not work as a caseworker or supervisor in any office, so you cannot import cases.")
NOT_JSON = _("The body of this request is not valid JSON: %(error)s")
TOO_DEEP = _("The body of this request nests lists or objects deeper than Pristan reads.")
NOT_MULTIPART = _("The body of this request is not a valid multipart form: %(error)s")
