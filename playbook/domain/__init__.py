"""The domain model: the plugin interface that external packages implement."""
