"""A scaled-out deployment on loopback for tests and benchmarks: a private
ClickHouse (tests/servers/clickhouse.sh), a fresh database on a running
PostgreSQL, `unmogrowp kafka-mock` with 4 partitions, and `unmogrowp serve`
nodes of any role -- and, to compare with, an embedded server. Stdlib only."""
import os
import random
import subprocess

from um_testlib import Server, admin_json, wait_for


class Deployment:
    """Every process of the test, stopped by close()."""

    def __init__(self, args, tmp):
        """`args` has binary, postgres_url_file and clickhouse_sh."""
        self.args = args
        self.tmp = tmp
        self.procs = []
        self.ch_dir = os.path.join(tmp, "clickhouse")
        subprocess.run([args.clickhouse_sh, "start", self.ch_dir], check=True)
        with open(os.path.join(self.ch_dir, "url")) as f:
            ch = f.read().strip().replace("http://", "clickhouse://")
        # A short request timeout: an insert into the stopped server fails
        # within seconds and the pipeline retries (rather than wait it out).
        self.analytics = f"{ch}/scale_out?request_timeout_ms=3000"
        with open(args.postgres_url_file) as f:
            pg = f.read().strip()
        db = f"scale_out_{os.getpid()}_{random.randrange(1 << 30)}"
        subprocess.run(["psql", "-q", pg, "-c", f"CREATE DATABASE {db}"], check=True)
        self.meta = pg.rsplit("/", 1)[0] + "/" + db
        url_file = os.path.join(tmp, "kafka.url")
        mock_log = open(os.path.join(tmp, "kafka-mock.log"), "ab")
        self.mock = subprocess.Popen([args.binary, "kafka-mock", "--partitions", "4",
                                      "--url-file", url_file], stdout=mock_log, stderr=mock_log)
        wait_for(lambda: os.path.exists(url_file), 30, "the mock Kafka cluster")
        with open(url_file) as f:
            self.kafka = f.read().strip()

    def node(self, name, role, extra=()):
        args = ["--role", role, "--log", self.kafka, "--meta", self.meta, *extra]
        if role != "ingest":
            args += ["--analytics", self.analytics]
        server = Server(self.args.binary, os.path.join(self.tmp, name),
                        os.path.join(self.tmp, name + ".log"), args)
        self.procs.append(server)
        return server

    def embedded(self):
        """An embedded-default server beside the deployment (stopped by close())."""
        server = Server(self.args.binary, os.path.join(self.tmp, "embedded"),
                        os.path.join(self.tmp, "embedded.log"))
        self.procs.append(server)
        return server

    def clickhouse(self, action):
        subprocess.run([self.args.clickhouse_sh, action, self.ch_dir], check=True)

    def close(self):
        for p in self.procs:
            if p.proc.poll() is None:
                p.proc.kill()
                p.proc.wait()
        self.mock.kill()
        self.mock.wait()
        subprocess.run([self.args.clickhouse_sh, "stop", self.ch_dir], check=False)


def create_app(url, name="scale-out"):
    """Registers an app; returns (its id, its API key)."""
    status, app = admin_json(url, "/v1/apps", "POST", {"name": name, "platform": "android"})
    assert status == 201, (status, app)
    return app["id"], app["api_key"]


def workers_caught_up(workers):
    """True when the live workers together own all 4 partitions and each is
    processed to its end."""
    owned = {}
    for w in workers:
        try:
            status, p = admin_json(w.url, "/v1/pipeline")
        except OSError:
            return False
        if status != 200 or p["status"] != "ok":
            return False
        for part in p["partitions"]:
            if part["lag_records"] != 0:
                return False
            owned[part["partition"]] = True
    return len(owned) == 4


def embedded_caught_up(server):
    status, p = admin_json(server.url, "/v1/pipeline")
    return status == 200 and p["lag_bytes"] == 0 and p["committed_offset"] == p["durable_offset"]


