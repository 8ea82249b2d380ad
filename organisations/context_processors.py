def navigation(request):
    """What the header navigation needs to decide which links to show."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from partnerships.access import commissioning_organisations

    return {"nav_can_register": commissioning_organisations(user).exists()}
