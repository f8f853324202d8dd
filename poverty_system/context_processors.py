from . import access
from .menus import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.must_change_password:
        return {}
    return {
        "menu": menu_for(user, request.path),
        "tree_roots": access.slice_roots(user),
        "verified_phone": request.session.get("verified_phone_masked"),
    }
