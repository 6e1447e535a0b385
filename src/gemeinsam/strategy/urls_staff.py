"""Staff URLs of the strategy (mounted at /staff/strategy/)."""

app_name = "strategy_staff"
urlpatterns: list = []
