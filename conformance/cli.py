"""The command line (DESIGN.md): run, list, doctor, cleanup, report. Exit status: 0 every applicable case passed,
1 a case failed, 2 usage or profile error, 3 environment error or a case that could not be judged (ERROR)."""
import argparse
import os
import json
import shlex
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

from . import caseinfo, interrupts
from .dut import profile as profiles
from .errors import EnvironmentUnfit, UsageError
from .servers import models
from .report import readiness
from .results import Outcome

REFERENCE_PROGRAMS = ("dhclient", "dhcpcd", "dhcp6c", "dhcrelay", "dnsmasq", "/lib/systemd/systemd-networkd")


class _Collector:
    """Receives the plugin's verdicts when the pytest session ends, and whether it was interrupted or ended by the
    plugin (pytest.exit: an environment that became unfit, such as a full disk)."""

    results: list = []
    interrupted = False
    ended_with: int | None = None

    def pytest_keyboard_interrupt(self, excinfo):
        import pytest
        if excinfo.errisinstance(pytest.exit.Exception):
            self.ended_with = excinfo.value.returncode
        else:
            self.interrupted = True

    def pytest_sessionfinish(self, session):
        from . import plugin
        self.results = plugin.results(session.config)


def _exit_status(results, strict: bool, pytest_status: int) -> int:
    outcomes = {r.outcome for r in results}
    if outcomes & {Outcome.FAIL, Outcome.INTERMITTENT} or (strict and Outcome.WARN in outcomes):
        return 1
    if Outcome.ERROR in outcomes:
        return 3
    if pytest_status == 4:  # usage error
        return 2
    if pytest_status in (2, 3):  # 2 without an interrupt: a case module failed to load; 3: internal error
        return 3
    return 0


def _prepared(args):
    """Validate a run's options (exit 2 before anything exists, 3 in an unfit environment) and install the signal
    handlers that make every lab come down."""
    from .lab import netns
    from .report import evidence
    chosen = [profiles.load_entry(entry, args.via_relay) for entry in args.profile]  # bad: exit 2 first
    # absolute paths, as every worker (in its own folder, or on another host at the same path) must find them
    args.profile = [str(p.path) + (f"+{p.via.path}" if p.via else "") for p in chosen]
    args.via_relay = None
    slugs = [profile.slug for profile in chosen]
    if len(set(slugs)) < len(slugs):
        raise UsageError(f"a profile is named twice: {' '.join(args.profile)}")
    if len(chosen) > 1 and args.junit:
        raise UsageError("--junit names one file, for one profile: with several, each profile's JUnit is "
                         "REPORT_DIR/junit-PROFILE.xml")
    if args.workers < 1:
        raise UsageError(f"-n {args.workers}: give 1 (one case at a time) or more")
    if args.case:
        caseinfo.select(args.case)
    caseinfo.select(args.exclude, "--exclude")
    caseinfo.require_cited(args.rfc)
    unknown = set(args.model) - set(models.all_models())
    if unknown:
        raise UsageError(f"unknown model {', '.join(sorted(unknown))}; known: {', '.join(models.all_models())}")
    netns.require_capabilities()  # an unfit environment first: without root, no output folder is writable either
    for profile in chosen:
        if profile.bench:
            from .lab import bench_port
            bench_port.check(profile.bench.ports, set(args.take_port))
    evidence.check_writable(Path(args.report_dir), "--report-dir", folder=True)
    if args.junit:
        evidence.check_writable(Path(args.junit), "--junit", folder=False)
    evidence.require_room(Path(args.report_dir))
    interrupts.install()
    return chosen


def _session(args, report_dir: str, junit: str | None) -> tuple[_Collector, int]:
    """One pytest session over the selected cases; the collector holds its verdicts."""
    import pytest
    cases_dir = Path(caseinfo.__file__).parent / "cases"
    # --pyargs, not a path, and every value joined to its option (--report-dir=r): xdist rewrites an argument that
    # names an existing path for workers in another folder or on another host, and refuses one outside its roots
    argv = ["--pyargs", "conformance.cases", f"--report-dir={report_dir}", "-p", "no:cacheprovider", "-q", "-rN",
            f"--rootdir={cases_dir}",
            "-W", "ignore::pytest.PytestAssertRewriteWarning"]  # a soak's later sessions re-import the plugin
    argv += [f"--dut-profile={entry}" for entry in args.profile]
    if args.workers > 1:  # cases side by side, longest first (schedule.py); a device's cases take turns (its lock)
        argv.append(f"--numprocesses={args.workers}")
    argv += [f"--tx={spec}" for spec in args.tx]  # workers on lab hosts (hosts.py)
    if args.workers > 1 or args.tx:
        argv += ["--dist=load", "--maxschedchunk=1"]
    argv += [f"--case={pattern}" for pattern in args.case]
    argv += [f"--exclude={pattern}" for pattern in args.exclude]
    argv += [f"--model={model}" for model in args.model]
    argv += [f"--rfc={section}" for section in args.rfc]
    argv += [f"--level={args.level}"] if args.level else []
    argv += [f"--via-relay={args.via_relay}"] if args.via_relay else []
    argv += ["--dhcpv6-strict"] if args.strict else []
    argv += [f"--take-port={port}" for port in args.take_port]
    argv += [f"--dhcpv6-junit={junit}"] if junit else []
    argv += ["--dhcpv6-debug", "-rfE"] if args.debug else []
    collector = _Collector()
    status = pytest.main(argv, plugins=[collector])
    return collector, int(status)


def cmd_run(args) -> int:
    _prepared(args)
    collector, status = _session(args, args.report_dir, args.junit)
    if collector.interrupted:
        return 130
    if collector.ended_with is not None:
        return collector.ended_with
    return _exit_status(collector.results, args.strict, status)


def cmd_soak(args) -> int:
    """The cases `--runs` times; per case the verdicts seen (INTERMITTENT when they differ) and the distributions
    of randomised timers, in REPORT_DIR/soak.txt and the JUnit; each run's evidence in REPORT_DIR/run-NN/."""
    from . import soak
    from .report import junit, results_file
    if args.runs < 2:
        raise UsageError(f"--runs {args.runs}: a soak needs at least 2 runs")
    if len(args.profile) > 1:
        raise UsageError("a soak judges one profile: give --profile once")
    profile = _prepared(args)[0]
    runs = []
    for index in range(1, args.runs + 1):
        folder = Path(args.report_dir) / f"run-{index:02d}"
        collector, status = _session(args, str(folder), str(folder / "run-junit.xml"))
        if collector.interrupted:
            return 130
        if collector.ended_with is not None:
            return collector.ended_with
        if status in (2, 3, 4) and not collector.results:
            return _exit_status([], args.strict, status)
        runs.append(collector.results)
        counts = Counter(r.outcome.value for r in collector.results)
        notable = [f"{r.case_id} {r.outcome.value}" for r in collector.results
                   if r.outcome not in (Outcome.PASS, Outcome.SKIP)]
        print(f"soak: run {index} of {args.runs}: " + ", ".join(f"{n} {o}" for o, n in sorted(counts.items()))
              + (f" ({', '.join(notable)})" if notable else ""), flush=True)
    soaks = soak.combine(runs)
    soak.write_text(Path(args.report_dir) / "soak.txt", soaks)
    results = [soak.as_result(s) for s in soaks]
    run = {**results_file.run_metadata(profile, args.strict), "soak_runs": str(args.runs)}
    junit.write(Path(args.junit or Path(args.report_dir) / f"junit-{profile.slug}.xml"), profile, results,
                args.strict, run)
    results_file.write(Path(args.report_dir), profile, results, run)
    for result in results:
        print(f"{result.outcome.value:12} {result.case_id:20} {result.message.splitlines()[0]}")
    print(f"soak: {Path(args.report_dir) / 'soak.txt'}")
    return _exit_status(results, args.strict, 0) if results else 3


def cmd_matrix(args) -> int:
    """The reference profiles side by side, --runs times: write the published matrix, or --check it is current."""
    import time
    from . import data, matrix
    from .report import results_file
    if args.runs < 0 or args.workers < 1 or not (args.runs or args.add):
        raise UsageError("--runs needs at least 1 (or 0 with --add), -n at least 1")
    if args.check and args.add:
        raise UsageError("--check judges a fresh run; --add folds earlier runs into a matrix being written")
    entries = matrix.reference_entries()
    session_args = argparse.Namespace(profile=entries, case=[], exclude=[], model=[], rfc=[], level=None,
                                      via_relay=None, strict=False, take_port=[], junit=None, debug=args.debug,
                                      workers=args.workers, tx=[], report_dir=args.report_dir)
    chosen = _prepared(session_args)
    runs, walls = [], []
    for index in range(1, args.runs + 1):
        folder = Path(args.report_dir) / (f"run-{index:02d}" if args.runs > 1 else "")
        began = time.monotonic()
        collector, status = _session(session_args, str(folder), None)
        walls.append(time.monotonic() - began)
        (Path(folder) / "matrix-wall.json").write_text(json.dumps({"seconds": round(walls[-1], 1),
                                                                    "workers": args.workers}))
        if collector.interrupted:
            return 130
        if collector.ended_with is not None:
            return collector.ended_with
        if not collector.results:
            return _exit_status([], False, status) or 3
        runs.append(matrix.read_run(folder, chosen))
        print(f"matrix: run {index} of {args.runs} took {walls[-1]:.0f} s", flush=True)
    earlier, counted = [], len(runs)
    for folder in args.add:  # earlier runs of the same profiles (a matrix run's run-NN, `run` with all of them)
        try:
            if Path(folder).is_file():  # an earlier published matrix: every outcome its runs saw
                prior = json.loads(Path(folder).read_text())
                runs.append(matrix.columns_of(prior))
                earlier.append(f"the {prior['run']['runs']} runs of the matrix of {prior['run']['started']}")
                counted += int(prior["run"]["runs"])
                continue
            runs.append(matrix.read_run(Path(folder), chosen))
            counted += 1
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"--add {folder}: not a run of every reference profile, nor a published matrix "
                             f"({exc})") from None
    made = [args.workers] * args.runs
    for folder in (f for f in args.add if not Path(f).is_file()):  # the -n and wall time of earlier runs
        recorded = Path(folder, "matrix-wall.json")
        known = json.loads(recorded.read_text()) if recorded.exists() else {"workers": "?", "seconds": None}
        made.append(known["workers"])
        if known["workers"] == args.workers and known["seconds"] is not None:
            walls.append(float(known["seconds"]))
    fresh = matrix.combine(runs)
    if args.check:
        stale = matrix.differences(matrix.read_published(data.reference_matrix()), fresh)
        for line in stale:
            print(f"stale: {line}")
        print(f"matrix: {data.reference_matrix()} is {'stale' if stale else 'current'}"
              + (" (regenerate it and docs/matrix.md with `dhcpv6-conformance matrix`, and say why in the commit)"
                 if stale else ""))
        return 1 if stale else 0
    meta = results_file.run_metadata(chosen[0], False)
    run = {"started": meta["started"], "tool_version": meta["tool_version"], "host": meta["host"],
           "reference": meta["reference"], "runs": counted, "workers": args.workers,
           "made_of": ", ".join([f"{n} at -n {w}" for w, n in Counter(made).items()] + earlier),
           "wall_seconds": round(max(walls)) if walls else None}
    data.reference_matrix().write_text(json.dumps(matrix.document(fresh, run), indent=1) + "\n")
    docs = Path(args.docs)
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "matrix.md").write_text(matrix.render_markdown(fresh, run) + "\n")
    print(f"matrix: wrote {data.reference_matrix()} and {docs / 'matrix.md'}")
    return 0


def cmd_list(args) -> int:
    from .wire.timing import REFERENCES
    profile = profiles.load(args.profile) if args.profile else None
    chosen = profile.timing.rfc if profile else "9915"
    cases = []
    for info in caseinfo.load_all().values():
        case = {"case": info.case_id, "level": info.level.value, "role": info.role, "rfc": list(info.rfc),
                "title": info.title, "requires": list(info.requires),
                "rfc6853_readiness": list(readiness.deployments_of(info.case_id))}
        if profile is not None:
            missing = info.missing(profile.capabilities)
            case["applies"] = info.role == profile.role and not missing
            case["skipped_because"] = ("" if case["applies"] else f"role {info.role}" if info.role != profile.role
                                       else "needs " + ", ".join(missing))
        cases.append(case)
    if args.format == "json":
        print(json.dumps({"reference": REFERENCES[chosen].name, "cases": cases}, indent=1))
        return 0
    print("references: " + ", ".join(f"{r.name}{' (judged)' if key == chosen else ''}"
                                      for key, r in REFERENCES.items())
          + "; a profile's [timing] rfc selects one (README: Which RFC)")
    width = max(len(case["case"]) for case in cases)
    for case in cases:
        applies = "" if "applies" not in case else "  applies" if case["applies"] else \
            f"  skipped: {case['skipped_because']}"
        print(f"{case['case']:{width}} {case['level']:6} {case['role']:6} {'; '.join(case['rfc'])}")
        print(f"{'':{width}} {case['title']}{applies}")
        if case["rfc6853_readiness"]:
            print(f"{'':{width}} RFC 6853 readiness: counts for {', '.join(case['rfc6853_readiness'])}")
    return 0


def cmd_doctor(args) -> int:
    from .lab import netns
    from .lab.topology import Lab
    profile = profiles.load(args.profile) if args.profile else None  # bad profile: exit 2 first
    problems = 0
    try:
        netns.require_capabilities()
        print("ok      root with CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_ADMIN")
        lab = Lab()
        try:
            lab.__enter__()
            host = lab.add_host("doctor")
            print("ok      network namespaces, bridge and veth can be created")
            _try_box(host)
            print("ok      a DUT's box: PID namespace, read-only host, overlays, tmpfs, reduced capabilities")
        finally:
            lab.destroy()  # also when creating it failed half-way: doctor leaves nothing behind
    except (EnvironmentUnfit, OSError) as exc:
        print(f"FAILED  lab: {exc}")
        problems += 1
    for program in REFERENCE_PROGRAMS:
        found = shutil.which(program)
        print(f"{'ok' if found else 'missing':7} {program}{' ' + found if found else ''}")
    if profile is not None and profile.bench is None:
        _show_program(profile)
    if profile is not None and profile.bench is not None and not problems:
        problems += _check_bench(profile, set(args.take_port))
    return 3 if problems else 0


def _show_program(profile) -> None:
    """What a case will give the profile's program (it loaded, so every program was found and every template
    exists): its command line, environment and files, rendered with a case's names in angle brackets."""
    from .dut.process import render_template
    from .dut.profile import RelayWiring, fill
    wiring = RelayWiring((("<lower>", "2001:db8:a::1"),), "<upper>", "2001:db8:ff::1",
                         ("2001:db8:ff::101", "2001:db8:ff::102")) if profile.role == "relay" else None
    values = profile.placeholders("<iface>", Path("<state>"), wiring)
    lines = ["        command: " + " ".join(shlex.quote(arg) for arg in profile.arguments(values, wiring))]
    lines += [f"        env:     {name}={fill(value, values)}" for name, value in profile.env.items()]
    placed = [(f"<state>/{name}", source) for name, source in profile.templates.items()]
    for where, source in placed + list(profile.files.items()):
        text = render_template(Path(fill(source, values)), values)
        lines.append(f"        file:    {where} ({len(text.encode())} bytes, from {fill(source, values)})")
    print(f"ok      profile {profile.path}: every program found, every template renders")
    print("\n".join(lines))


def _check_relay_device(profile) -> int:
    """A relay on the bench, as a case meets it: reset, ready, its lab plan address on the client side, and a probe
    Solicit relayed to its first destination (a fake server there). 1 if a step failed, else 0."""
    import ipaddress

    from .relaybed import UPSTREAM, RelayTestbed
    from .results import HarnessError
    from .wire.constants import RELAY_FORW
    with tempfile.TemporaryDirectory(prefix="d6c-doctor-") as folder:
        testbed = None
        try:
            testbed = RelayTestbed(profile, Path(folder))
            if any(not ipaddress.IPv6Address(d).is_multicast for d in profile.bench.destinations):
                testbed.server().silence()
            testbed.start_dut(list(profile.bench.destinations))
            first = min(testbed.timeline.messages(lambda m: testbed.from_dut(m, UPSTREAM) and m.msg_type == RELAY_FORW),
                        key=lambda m: m.time)
        except HarnessError as exc:
            log = Path(folder) / "dut.log"
            print(f"FAILED  the device: {exc}\n{log.read_text()[-2000:] if log.exists() else ''}")
            return 1
        except (EnvironmentUnfit, OSError) as exc:
            print(f"FAILED  the ports: {exc}")
            return 1
        finally:
            if testbed is not None:
                testbed.close()  # the ports go home
    print(f"ok      reset: done in {testbed.dut.reset_seconds:.1f} s")
    print(f"ok      client side: it answers for {testbed.address('client')} ({testbed.port('client').mac})")
    print(f"ok      ready: it relayed a probe Solicit to {first.dst} {first.time - testbed.dut.started_at:.1f} s after "
          "the reset")
    return 0


def _check_bench(profile, taken: set[str]) -> int:
    """A bench profile before a run: the port can be lent, the reset runs, the device becomes ready (as a case
    would see it: its port lent to a lab, captured). Prints a line per step; 1 if one failed, else 0."""
    from .dut.device import DeviceDut
    from .lab import bench_port
    from .lab.capture import Capture
    from .lab.timeline import Timeline
    from .lab.topology import Lab
    from .results import HarnessError
    from .wire.constants import CLIENT_MESSAGES
    bench = profile.bench
    try:
        bench_port.check(bench.ports, taken)
    except UsageError as exc:
        print(f"FAILED  {exc}")
        return 1
    for name, vlan in bench.ports:
        print(f"ok      port {name}: can be lent" + (f" (VLAN {vlan})" if vlan else ""))
    if profile.role == "relay":
        return _check_relay_device(profile)
    timeline, lab, capture = Timeline(), Lab(), None
    try:
        lab.__enter__()
        host = lab.lend_port(bench.interface, bench.vlan)
        capture = Capture(lab.switch, host.port().bridge_port, timeline)
        with tempfile.TemporaryDirectory(prefix="d6c-doctor-") as folder:
            device = DeviceDut(profile, lab.switch, host.port().bridge_port, Path(folder) / "dut.log")
            try:
                device.start()
            except HarnessError as exc:
                print(f"FAILED  reset: {exc}\n{(Path(folder) / 'dut.log').read_text()[-2000:]}")
                return 1
        print(f"ok      reset: done in {device.reset_seconds:.1f} s" + (", carrier up" if bench.ready == "link" else ""))
        if bench.ready != "solicit":
            return 0
        first = timeline.wait_for(lambda m: m.msg_type in CLIENT_MESSAGES, bench.ready_timeout)
        if first is None:
            print(f"FAILED  ready: no DHCPv6 client message on {bench.interface} within {bench.ready_timeout:.0f} s "
                  "of the reset (dut.ready_timeout)")
            return 1
        print(f"ok      ready: its {first.name.title()} came {first.time - device.started_at:.1f} s after the "
              f"reset, from {first.src_mac}")
        return 0
    except (EnvironmentUnfit, OSError) as exc:
        print(f"FAILED  port {bench.interface}: {exc}")
        return 1
    finally:
        if capture is not None:
            capture.stop()
        lab.destroy()  # the port goes home


def _try_box(host) -> None:
    """Run `true` in a DUT's box in the doctor's namespace; OSError saying what failed."""
    from .dut.process import ProcessDut
    from .dut.profile import Profile
    with tempfile.TemporaryDirectory(prefix="d6c-doctor-") as folder:
        profile = Profile(Path(folder) / "doctor.toml", "doctor", "client", "process", ("true",))
        dut = ProcessDut(profile, host.namespace, host.port().iface, Path(folder) / "state", Path(folder) / "dut.log")
        dut.start()
        status = dut.process.wait(timeout=10)
        dut.stop()
        if status != 0:
            raise OSError(f"a DUT's box cannot be made here: {(Path(folder) / 'dut.log').read_text().strip()}")


def cmd_cleanup(args) -> int:
    from .lab import naming, netns
    netns.require_capabilities()
    removed = naming.sweep(include_live=args.all)
    for name in removed:
        print(f"removed {name}")
    left = naming.ours()
    if left:
        print(f"left {len(left)} namespaces of live runs (use --all to remove them too): {' '.join(left)}")
    if not removed and not left:
        print("nothing to clean")
    return 0


def cmd_report(args) -> int:
    from .report import html
    out = html.write(args.dirs, Path(args.out))
    print(f"wrote {out}")
    return 0


def _run_options(run: argparse.ArgumentParser) -> None:
    """The options `run` and `soak` share."""
    run.add_argument("--profile", required=True, action="append",
                     help="DUT profile (TOML), or CLIENT+RELAY: the client judged behind the relay (repeatable: "
                          "every case for every profile, one JUnit each)")
    run.add_argument("-n", "--workers", type=int, default=1, metavar="N",
                     help="cases side by side in N worker processes (pytest-xdist), each case in its own lab; "
                          "a device on a port runs its cases one after another")
    run.add_argument("--tx", action="append", default=[], metavar="SPEC",
                     help="a worker on a lab host (execnet): ssh=root@lab-a//python=PYTHON//id=lab-a; a profile's "
                          "[dut] host picks its workers (repeatable)")
    run.add_argument("--case", action="append", default=[],
                     help="case ID or glob, or a name as reports print it: C-REBIND-OTHER[split] (repeatable)")
    run.add_argument("--exclude", action="append", default=[], help="leave these cases out (as --case; repeatable)")
    run.add_argument("--strict", action="store_true", help="a broken SHOULD counts as FAIL")
    run.add_argument("--via-relay", metavar="RELAY_PROFILE",
                     help="judge the client DUTs behind this relay DUT, servers upstream (server-selection cases)")
    run.add_argument("--model", action="append", default=[],
                     help="RFC 6853 model for model-dependent cases: split, unique, identical (repeatable)")
    run.add_argument("--rfc", action="append", default=[], metavar="SECTION",
                     help="only cases citing this section or one under it: 18.2.4, \"RFC 3315 17\" (repeatable)")
    run.add_argument("--level", choices=("MUST", "SHOULD"), help="only cases of this level")
    run.add_argument("--report-dir", default="reports")
    run.add_argument("--debug", action="store_true",
                     help="pytest's own output too: a letter per case, tracebacks of what went wrong")
    run.add_argument("--junit", help="JUnit XML file (default REPORT_DIR/junit-PROFILE.xml)")
    run.add_argument("--take-port", action="append", default=[], metavar="PORT",
                     help="lend this port to a bench profile even though it carries a default route, a global "
                          "address or this SSH session (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    from .report.results_file import tool_version
    parser = argparse.ArgumentParser(prog="dhcpv6-conformance", description=__doc__)
    parser.add_argument("--version", action="version", version=f"dhcpv6-conformance {tool_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="judge a DUT")
    _run_options(run)
    run.set_defaults(func=cmd_run)
    soak_ = sub.add_parser("soak", help="run cases N times: verdicts across runs, distributions of random timers")
    _run_options(soak_)
    soak_.add_argument("--runs", type=int, required=True, help="how many times to run each case (at least 2)")
    soak_.set_defaults(func=cmd_soak)
    mat = sub.add_parser("matrix", help="every reference profile side by side: write the published matrix "
                                        "(profiles/reference-matrix.json, docs/matrix.md), or --check it")
    mat.add_argument("--runs", type=int, default=1, help="run it this many times: a cell lists every outcome seen")
    mat.add_argument("-n", "--workers", type=int, default=16, metavar="N", help="cases side by side (default 16)")
    mat.add_argument("--add", action="append", default=[], metavar="DIR",
                     help="also fold in an earlier run of the reference profiles (a report folder), or an earlier "
                          "published matrix (its JSON file: every outcome its runs saw); with --runs 0, only those "
                          "(repeatable)")
    mat.add_argument("--check", action="store_true",
                     help="compare with the published matrix instead of writing it: exit 1 if it is stale")
    mat.add_argument("--report-dir", default="reports/matrix")
    mat.add_argument("--docs", default=str(Path(__file__).resolve().parents[1] / "docs"),
                     help="where matrix.md goes (default: the checkout's docs/)")
    mat.add_argument("--debug", action="store_true")
    mat.set_defaults(func=cmd_matrix)
    lst = sub.add_parser("list", help="cases, IDs, RFC sections, levels")
    lst.add_argument("--format", choices=("text", "json"), default="text", help="json: for scripts")
    lst.add_argument("--profile")
    lst.set_defaults(func=cmd_list)
    doc = sub.add_parser("doctor", help="privileges, kernel features, reference programs; with a bench profile, its "
                                        "port, reset and readiness")
    doc.add_argument("--profile", help="also check this profile (a device on a port: attach = \"interface\")")
    doc.add_argument("--take-port", action="append", default=[], metavar="PORT")
    doc.set_defaults(func=cmd_doctor)
    clean = sub.add_parser("cleanup", help="remove what a crashed run left")
    clean.add_argument("--all", action="store_true", help="also remove namespaces of runs still alive")
    clean.set_defaults(func=cmd_cleanup)
    rep = sub.add_parser("report", help="HTML report across runs: index, a page per case with its ladder diagram")
    rep.add_argument("dirs", nargs="+")
    rep.add_argument("--out", required=True)
    rep.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (UsageError, EnvironmentUnfit) as exc:
        print(f"dhcpv6-conformance: {exc}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `list | head`: the reader left; nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
