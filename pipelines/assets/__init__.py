"""The Dagster assets, one module per layer."""
import warnings

# Dagster marks observable source assets and some metadata helpers as beta; the notice adds
# nothing for users of this project and would drown the build output.
from dagster import BetaWarning, PreviewWarning

warnings.filterwarnings("ignore", category=BetaWarning)
warnings.filterwarnings("ignore", category=PreviewWarning)
