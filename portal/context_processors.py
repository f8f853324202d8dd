from poverty_system.core import access
from villages.views import region_root

from .menus import breadcrumb_for, menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.password_change_required():
        return {}
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    menu = menu_for(user, view_name)
    return {
        "menu": menu,
        "breadcrumb": breadcrumb_for(menu, view_name, match.kwargs if match else {}),
        # 辖区导航 links to the region pages: only for the accounts their rule admits (not the
        # security administrator nor the auditors, 三员分立).
        "tree_roots": access.slice_roots(user) if region_root.access_rule.allows(user) else [],
        "verified_phone": request.session.get("verified_phone_masked"),
    }
