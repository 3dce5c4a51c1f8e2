"""The rights behind every copygen page and endpoint, in one place: the dashboard and the API check the same ones.

Every action also needs ``is_staff``. Django creates the model permissions; ``publish_copyvariant`` is declared
on the variant model because publishing writes to the product itself, a separate right from reviewing drafts.
"""

VIEW = "copygen.view_copyvariant"  # see copy pages, requests, jobs
GENERATE = "copygen.add_generationrequest"  # ask for copy: single requests and bulk jobs
REVIEW = "copygen.change_copyvariant"  # edit, approve, reject drafts
PUBLISH = "copygen.publish_copyvariant"  # write copy into products, revert
CANCEL_JOB = "copygen.change_bulkjob"
VIEW_MODELS = "copygen.view_modelversion"
CHANGE_MODELS = "copygen.change_modelversion"  # activate, retire
VIEW_AUDIT = "copygen.view_auditevent"
SERVICE_VIEW = "copygen.view_servicemessage"  # see customer messages, their drafts and context
SERVICE_REPLY = "copygen.change_servicedraft"  # edit, send or discard reply drafts, ask for a new draft
SERVICE_IMPORT = "copygen.add_servicemessage"  # import messages (command, API)


def allowed(user, *perms):
    return bool(user and user.is_active and user.is_staff and user.has_perms(perms))
