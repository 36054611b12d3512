#include "cli/serve_command.h"

#include <fmt/format.h>
#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <string_view>
#include <thread>

#include "api/service.h"
#include "cli/demo_data.h"
#include "cli/listen_address.h"
#include "core/logging.h"

namespace unmogrowp {

namespace {

struct ServeFlags {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./data";
  std::string admin_token;
  int threads = 2;
  std::string log_level = "info";
  bool demo = false;
  std::string web_dir = "./web/build";
  std::string role = "all";
  std::string log;
  std::string analytics;
  std::string meta;
};

// Flags win over the environment (API.md "Server start").
void ApplyEnvironment(const CLI::App& cmd, ServeFlags* flags) {
  auto env = [](const char* name) -> const char* { return std::getenv(name); };
  if (cmd.count("--listen") == 0 && env("UNMOGROWP_LISTEN"))
    flags->listen = env("UNMOGROWP_LISTEN");
  if (cmd.count("--data-dir") == 0 && env("UNMOGROWP_DATA_DIR")) {
    flags->data_dir = env("UNMOGROWP_DATA_DIR");
  }
  if (cmd.count("--admin-token") == 0 && env("UNMOGROWP_ADMIN_TOKEN")) {
    flags->admin_token = env("UNMOGROWP_ADMIN_TOKEN");
  }
  if (cmd.count("--web-dir") == 0 && env("UNMOGROWP_WEB_DIR")) {
    flags->web_dir = env("UNMOGROWP_WEB_DIR");
  }
  auto take = [&](const char* flag, const char* name, std::string* value) {
    if (cmd.count(flag) == 0 && env(name)) *value = env(name);
  };
  take("--role", "UNMOGROWP_ROLE", &flags->role);
  take("--log", "UNMOGROWP_LOG", &flags->log);
  take("--analytics", "UNMOGROWP_ANALYTICS", &flags->analytics);
  take("--meta", "UNMOGROWP_META", &flags->meta);
  if (cmd.count("--demo") == 0 && env("UNMOGROWP_DEMO")) {
    flags->demo = std::string_view(env("UNMOGROWP_DEMO")) == "1";
  }
}

int RunServe(const CLI::App& cmd, ServeFlags flags) {
  ApplyEnvironment(cmd, &flags);
  SetLogLevel(flags.log_level);
  Result<ListenAddress> listen = ParseListenAddress(flags.listen);
  if (!listen.ok()) {
    fmt::print(stderr, "unmogrowp serve: --listen: {}\n", listen.status().message());
    return 2;
  }

  // Signals are taken by sigwait below, not by whichever thread they hit.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Result<ServiceRole> role = ParseServiceRole(flags.role);
  if (!role.ok()) {
    fmt::print(stderr, "unmogrowp serve: --role: {}\n", role.status().message());
    return 2;
  }

  ServiceOptions options;
  options.role = *role;
  options.log_url = flags.log;
  options.analytics_url = flags.analytics;
  options.meta_url = flags.meta;
  options.data_dir = flags.data_dir;
  options.host = listen->host;
  options.port = listen->port;
  options.http_threads = flags.threads;
  options.web_dir = flags.web_dir;
  if (!flags.admin_token.empty()) options.admin_token = flags.admin_token;

  Result<std::unique_ptr<Service>> service = Service::Start(options);
  if (!service.ok()) {
    fmt::print(stderr, "unmogrowp serve: cannot start: {}\n", service.status().ToString());
    return 1;
  }
  std::string host =
      listen->host.find(':') != std::string::npos ? "[" + listen->host + "]" : listen->host;
  fmt::print("UnMoGrowP ({}) is listening on http://{}:{} (data in {})\n", flags.role, host,
             (*service)->port(), flags.data_dir);
  if ((*service)->admin_token_created()) {
    fmt::print("Admin token (shown once; kept in {}/admin.token): {}\n", flags.data_dir,
               (*service)->admin_token());
  }
  std::fflush(stdout);

  // Before the signal wait: a Ctrl-C meanwhile takes effect once it is done
  // (a few seconds), and the demo app keeps what it got when it fails.
  if (flags.demo && !(*service)->has_pipeline()) {
    fmt::print(stderr, "unmogrowp serve: --demo needs the embedded log; skipped\n");
  } else if (flags.demo) {
    DemoOptions demo;
    demo.progress = &std::cout;
    Result<DemoResult> created = CreateDemoApp(**service, demo);
    if (!created.ok()) {
      fmt::print(stderr, "unmogrowp serve: --demo: {}\n", created.status().ToString());
    }
  }

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  Log("serve").info("received signal {}, shutting down", signal_number);
  (*service)->Stop();
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Run the server: on the embedded default, or as a node of a scaled-out deployment (Kafka, "
      "ClickHouse, PostgreSQL; docs/operations.md)");
  cmd->add_option("--listen", flags->listen,
                  "Address to listen on, host:port [env UNMOGROWP_LISTEN]")
      ->capture_default_str();
  cmd->add_option("--data-dir", flags->data_dir,
                  "Directory for the event log, metadata and admin.token [env UNMOGROWP_DATA_DIR]")
      ->capture_default_str();
  cmd->add_option("--admin-token", flags->admin_token,
                  "Admin bearer token; generated and kept in <data-dir>/admin.token when unset "
                  "[env UNMOGROWP_ADMIN_TOKEN]");
  cmd->add_option("--web-dir", flags->web_dir,
                  "The built dashboard (npm --prefix web run build), served at / "
                  "[env UNMOGROWP_WEB_DIR]")
      ->capture_default_str();
  cmd->add_flag("--demo", flags->demo,
                "Create a demo app with 90 days of generated data when there is none yet (used "
                "by ./scripts/run on a new data dir) [env UNMOGROWP_DEMO=1]");
  cmd->add_option(
         "--role", flags->role,
         "What this node does: all, ingest (event endpoints), pipeline (workers for the "
         "Kafka partitions it is given) or api (apps, reports, privacy, dashboard); "
         "other than all needs --log kafka:// and --meta postgresql:// [env UNMOGROWP_ROLE]")
      ->capture_default_str();
  cmd->add_option("--log", flags->log,
                  "Event log: unset = the embedded log in <data-dir>/log; "
                  "kafka://host:port[,host:port][/topic][?partitions=N&group=G&<librdkafka "
                  "property>=V] [env UNMOGROWP_LOG]");
  cmd->add_option("--analytics", flags->analytics,
                  "Reports backend: unset = the embedded state; clickhouse://host:http_port[/db]"
                  "[?user=U&password=P] [env UNMOGROWP_ANALYTICS]");
  cmd->add_option("--meta", flags->meta,
                  "Metadata (apps, keys, audit): unset = SQLite in <data-dir>; "
                  "postgresql://user[:password]@host:port/db [env UNMOGROWP_META]");
  cmd->add_option("--threads", flags->threads, "HTTP I/O threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("--log-level", flags->log_level, "debug, info, warn, error or off")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  cmd->callback([cmd, flags] {
    int code = RunServe(*cmd, *flags);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace unmogrowp
