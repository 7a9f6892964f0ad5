import os
import sys
import time

COUNTER = 0
INIT_PID = os.getpid()
print("init ran", flush=True)


def handler(event, context):
    global COUNTER
    COUNTER += 1
    action = event.get("action") if isinstance(event, dict) else None
    print(f"handling {context.aws_request_id} count={COUNTER}")
    if action == "sleep":
        if event.get("marker"):  # says it is running, for tests that wait on that
            with open(event["marker"], "w") as fh:
                fh.write("running")
        time.sleep(event.get("seconds", 0.3))
    elif action == "fail":
        raise ValueError("boom")
    elif action == "exit":
        sys.exit(3)
    elif action == "eat":
        hog = []
        while True:
            hog.append(bytearray(8 * 1024 * 1024))
            time.sleep(0.002)
    elif action == "env":
        return {k: os.environ.get(k) for k in event["names"]}
    elif action == "context":
        return {
            "arn": context.invoked_function_arn,
            "remaining": context.get_remaining_time_in_millis(),
            "client": getattr(context.client_context, "custom", None),
            "memory": context.memory_limit_in_mb,
            "version": context.function_version,
        }
    return {"count": COUNTER, "pid": os.getpid(), "init_pid": INIT_PID, "echo": event}
