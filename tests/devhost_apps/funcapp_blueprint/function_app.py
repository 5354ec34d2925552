"""A plain FunctionApp (function auth) that registers Durable functions from a df.Blueprint."""

import azure.functions as func
from durable_parts import bp

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(bp)


@app.route(route="Greeter")
def greeter(req: func.HttpRequest) -> func.HttpResponse:
    name = req.params.get("name")
    if not name:
        try:
            name = req.get_json().get("name")
        except ValueError:
            name = None
    return func.HttpResponse(f"Greetings, {name}." if name else "Greetings, stranger.")
