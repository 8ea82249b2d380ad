def dashboard(request):
    raise NotImplementedError
