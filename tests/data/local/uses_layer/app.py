import sys

import layerlib


def handler(event, context):
    return {"layer": layerlib.WHERE, "path": sys.path}
