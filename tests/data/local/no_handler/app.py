print("module loaded")


def other(event, context):
    return "not the handler"
