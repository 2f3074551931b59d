"""New raw-data/ objects -> the S3 handler, and the recovery sweep on its schedule.

The bucket notifies an SQS queue (moto sends the S3 event S3 would send: URL-encoded key, unquoted eTag),
configured from the handler's decorator as `chalice deploy` configures the Lambda notification. Each event
goes to the handler as it arrives; a failed one is retried after a growing delay, then given up, as
Lambda's async invoke does; the sweep exists to load such files. Events and sweeps run one at a time in
this thread, like separate Lambda invocations would, but never at once.
"""
from __future__ import annotations

import json
import math
import threading
import time
from urllib.parse import unquote_plus

from chalicelib.platform.logs import log_event
from infra.local.events import scheduled_event
from infra.local.outage import ReadWatch
from infra.local.sources import S3Source, Schedule, backoff_seconds, invoke

# Short polls: the emulator serves one request at a time (aws.py), so a long poll would hold up the very
# PutObject whose event it waits for.
IDLE_POLL_SECONDS = 0.1
MAX_ATTEMPTS = 4  # Lambda's async invoke: the first call and up to two retries; one more for local hiccups
IN_FLIGHT_SECONDS = 900  # a message stays hidden while its handler runs (Lambda's longest timeout)


class S3Pump:
    def __init__(self, s3, sqs, source: S3Source, schedules: list[Schedule], retry_base_seconds: float = 1.0):
        self._s3, self._sqs = s3, sqs
        self._source = source
        self._retry_base = retry_base_seconds
        self._schedules = {s.name: (s, time.monotonic() + s.interval_seconds) for s in schedules}
        self._queue_url = ""
        self._thread = threading.Thread(target=self._run, name="s3-pump", daemon=True)
        self._draining = threading.Event()
        self.drained = threading.Event()
        self.files_delivered: set[tuple[str, str]] = set()
        self.files_given_up: list[str] = []
        self.final_sweep_ok = False
        self._retry_due = 0.0  # monotonic time by which every event put back for a retry is visible again
        self.watch = ReadWatch(f"reading the events of bucket {source.bucket} (queue {source.bucket}-{source.name}) "
                               "from the emulator")

    def start(self) -> None:
        self._queue_url = self._subscribe()
        self._thread.start()

    def drain(self, timeout: float | None = None) -> bool:
        """Deliver every event already sent, run the schedules once more, then stop. True when done; False when
        it timed out or gave up because the events could not be read (see `outage`)."""
        self._draining.set()
        return self.drained.wait(timeout) and self.outage is None

    @property
    def outage(self) -> str | None:
        return self.watch.outage

    def _subscribe(self) -> str:
        src = self._source
        url = self._sqs.create_queue(QueueName=f"{src.bucket}-{src.name}",
                                     Attributes={"VisibilityTimeout": str(IN_FLIGHT_SECONDS)})["QueueUrl"]
        arn = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        rules = [{"Name": name, "Value": value} for name, value in (("prefix", src.prefix), ("suffix", src.suffix))
                 if value]
        self._s3.put_bucket_notification_configuration(Bucket=src.bucket, NotificationConfiguration={
            "QueueConfigurations": [{"Id": src.name, "QueueArn": arn, "Events": list(src.events),
                                     "Filter": {"Key": {"FilterRules": rules}}}]})
        return url

    def _run(self) -> None:
        while True:
            draining = self._draining.is_set()
            try:
                got = self._pass()
                # An event put back for a retry must come round again before the queue may count as empty:
                # the emulator's count of hidden messages alone has let a drain end between two attempts.
                done = draining and not got and time.monotonic() >= self._retry_due and self._queue_empty()
                self.watch.succeeded()
            except Exception as exc:  # the emulator hiccupped: ask again; an outage is reported by `outage`
                log_event("pump_s3_receive_error", error=f"{type(exc).__name__}: {exc}")
                self.watch.failed(exc)
                got, done = [], draining and self.outage is not None
                time.sleep(0.5)
            if done:
                break
            if not got:
                time.sleep(IDLE_POLL_SECONDS)
        self.final_sweep_ok = self.outage is None and self._run_due_schedules(force=True)  # the net for given-up events
        log_event("pump_s3_drained", files=len(self.files_delivered), given_up=len(self.files_given_up))
        self.drained.set()

    def _pass(self) -> list[dict]:
        """One receive, the handler for each message, the schedules that are due: the messages received."""
        got = self._receive()
        for message in got:
            self._handle(message)
        self._run_due_schedules(force=False)
        return got

    def _receive(self) -> list[dict]:
        return self._sqs.receive_message(QueueUrl=self._queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                         AttributeNames=["ApproximateReceiveCount"]).get("Messages", [])

    def _handle(self, message: dict) -> None:
        try:
            event = json.loads(message["Body"])
        except (ValueError, RecursionError):  # not an S3 event: nothing to load, and never a stuck queue
            log_event("pump_s3_event_unreadable", bytes=len(message["Body"]))
            self._delete(message)
            return
        if not isinstance(event, dict) or "Records" not in event:  # s3:TestEvent, sent when notifications are set
            self._delete(message)
            return
        attempt = int(message["Attributes"]["ApproximateReceiveCount"])
        objects = [(unquote_plus(r["s3"]["object"]["key"]), r["s3"]["object"].get("eTag", ""))
                   for r in event["Records"]]
        if invoke(self._source.name, self._source.handler, event, attempt):
            self.files_delivered.update(objects)
            self._delete(message)
        elif attempt >= MAX_ATTEMPTS:
            log_event("pump_s3_event_given_up", keys=[k for k, _ in objects], attempts=attempt)
            self.files_given_up += [k for k, _ in objects]
            self._delete(message)
        else:
            delay = math.ceil(backoff_seconds(attempt, base=self._retry_base))
            self._sqs.change_message_visibility(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"],
                                                VisibilityTimeout=delay)
            self._retry_due = max(self._retry_due, time.monotonic() + delay)

    def _delete(self, message: dict) -> None:
        self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])

    def _queue_empty(self) -> bool:
        attrs = self._sqs.get_queue_attributes(QueueUrl=self._queue_url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return all(int(v) == 0 for v in attrs.values())

    def _run_due_schedules(self, force: bool) -> bool:
        """Run the schedules that are due (all of them when forced); True when none failed."""
        now, ok = time.monotonic(), True
        for name, (schedule, due_at) in list(self._schedules.items()):
            if force or now >= due_at:
                ok &= invoke(name, schedule.handler, scheduled_event(f"cardstream-local-{name}"))
                self._schedules[name] = (schedule, time.monotonic() + schedule.interval_seconds)
        return ok
