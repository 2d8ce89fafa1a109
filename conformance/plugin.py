"""pytest plugin: options, the `lab` fixture, and the mapping of pytest outcomes to PASS/FAIL/WARN/SKIP/ERROR.

Loaded through the pytest11 entry point, so the cases also run under plain pytest. Inert unless --dut-profile is
given: the project's own tests load it too.
"""
import errno
import socket
from contextlib import ExitStack
from pathlib import Path

import pytest

from . import caseinfo, hosts, interrupts, schedule
from .console import Console
from .dut import profile as profiles
from .errors import EnvironmentUnfit, UsageError
from .lab import naming, netns
from .report import evidence, junit, results_file
from .results import CaseResult, HarnessError, Level, Outcome, Violation, from_wire, to_wire

_KEY = pytest.StashKey[dict]()
_TESTBED = pytest.StashKey[object]()


def pytest_addoption(parser):
    group = parser.getgroup("dhcpv6-conformance")
    group.addoption("--dut-profile", action="append", default=[],
                    help="DUT profile (TOML) to judge, or CLIENT+RELAY: the client behind the relay (repeatable: "
                         "every case for every profile)")
    group.addoption("--case", action="append", default=[],
                    help="case ID or glob, or a name as reports print it: C-REBIND-OTHER[split] (repeatable)")
    group.addoption("--exclude", action="append", default=[], help="leave these cases out (as --case; repeatable)")
    group.addoption("--dhcpv6-strict", action="store_true", help="a broken SHOULD (WARN) counts as FAIL")
    group.addoption("--report-dir", default="reports", help="folder for evidence and reports")
    group.addoption("--dhcpv6-junit", help="JUnit XML file (default REPORT_DIR/junit-PROFILE.xml; one profile only)")
    group.addoption("--via-relay", help="relay DUT profile: judge the client DUT behind it (the cases that allow it)")
    group.addoption("--take-port", action="append", default=[],
                    help="lend this port to a bench profile although the lab host may be reached through it")
    group.addoption("--model", action="append", default=[],
                    help="RFC 6853 deployment model for model-dependent cases (repeatable; default: all)")
    group.addoption("--rfc", action="append", default=[],
                    help="only cases citing this section (\"18.2.4\" or \"RFC 9915 18.2\": the section and those "
                         "under it; repeatable)")
    group.addoption("--level", choices=("MUST", "SHOULD"), help="only cases of this level")
    group.addoption("--dhcpv6-debug", action="store_true",
                    help="pytest's own output too: a letter per case, tracebacks of what went wrong")


class Run:
    """One profile's share of the session: its verdicts so far, its JUnit and results file, its metadata."""

    def __init__(self, profile, junit: Path, strict: bool):
        self.profile, self.junit, self.results = profile, junit, []
        self.meta = results_file.run_metadata(profile, strict)


def _profiles(config) -> list:
    """The profiles named by --dut-profile (with --via-relay), each slug once; UsageError otherwise."""
    chosen = [profiles.load_entry(entry, config.getoption("--via-relay")) for entry in config.getoption("--dut-profile")]
    slugs = [profile.slug for profile in chosen]
    twice = sorted({s for s in slugs if slugs.count(s) > 1})
    if twice:
        raise UsageError(f"profile {', '.join(twice)} named twice: each profile's evidence and JUnit are named by "
                         "its file name")
    if len(chosen) > 1 and config.getoption("--dhcpv6-junit"):
        raise UsageError("--dhcpv6-junit names one file, for one profile: with several, each profile's JUnit is "
                         "REPORT_DIR/junit-PROFILE.xml")
    return chosen


def is_worker(config) -> bool:
    """An xdist worker: it runs cases and sends their verdicts to the controller, which records and reports them."""
    return hasattr(config, "workerinput")


def pytest_configure(config):
    config.addinivalue_line("markers", "dhcpv6_case(info): a conformance case")
    config.addinivalue_line("markers", "behind_relay: a client case that can also be judged behind a relay DUT")
    if not config.getoption("--dut-profile"):
        return
    try:
        chosen = _profiles(config)
        selected = caseinfo.select(config.getoption("--case")) if config.getoption("--case") else None
        excluded = caseinfo.select(config.getoption("--exclude"), "--exclude")
        caseinfo.require_cited(config.getoption("--rfc"))
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    try:
        netns.require_capabilities()
    except EnvironmentUnfit as exc:
        pytest.exit(str(exc), returncode=EnvironmentUnfit.exit_status)
    report_dir = Path(config.getoption("--report-dir"))
    try:
        for profile in chosen if not is_worker(config) else ():  # a worker's sibling may hold the port already
            if profile.bench:
                from .lab import bench_port
                bench_port.check(profile.bench.ports, set(config.getoption("--take-port")))
        evidence.check_writable(report_dir, "--report-dir", folder=True)
        if config.getoption("--dhcpv6-junit"):
            evidence.check_writable(Path(config.getoption("--dhcpv6-junit")), "--dhcpv6-junit", folder=False)
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    strict = config.getoption("--dhcpv6-strict")
    runs = {p.slug: Run(p, Path(config.getoption("--dhcpv6-junit") or report_dir / f"junit-{p.slug}.xml"), strict)
            for p in chosen}
    state = {"runs": runs, "estimates": {}, "selected": selected, "excluded": excluded,
             "models": config.getoption("--model") or None, "sections": config.getoption("--rfc"),
             "level": config.getoption("--level"),
             "report_dir": report_dir, "strict": strict, "reserve": None, "console": None}
    try:
        _check_hosts(config, chosen)
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    interrupts.install()  # plain pytest too: SIGTERM and SIGHUP tear the labs down like Ctrl-C
    if is_worker(config):
        state["estimates"] = config.workerinput.get("dhcpv6_estimates", {})
    else:
        # the controller (or a session without xdist) owns the folder and the console
        state["estimates"] = schedule.estimates(report_dir, chosen)  # before this run rewrites the files
        try:
            state["reserve"] = evidence.Reserve(report_dir, naming.owner_alive)
        except EnvironmentUnfit as exc:
            pytest.exit(str(exc), returncode=EnvironmentUnfit.exit_status)
        state["console"] = Console(config, config.getoption("--dhcpv6-debug"))
        config.pluginmanager.register(state["console"], "dhcpv6-console")
        config.pluginmanager.register(_Recorder(state), "dhcpv6-recorder")
        naming.sweep()
        for profile in chosen:
            evidence.remove_stale(report_dir, profile, caseinfo.load_all())
    config.stash[_KEY] = state


def _check_hosts(config, chosen) -> None:
    """Every lab host a profile names has a worker (side by side), or is this machine (one case at a time)."""
    if is_worker(config) or not any(profile.host for profile in chosen):
        return
    if getattr(config.option, "dist", "no") == "no":
        for profile in chosen:
            if profile.host and profile.host != socket.gethostname():
                raise UsageError(f"{profile.path}: its device is on host {profile.host!r}, not this one "
                                 f"({socket.gethostname()}): give a worker there with --tx (README: Several lab hosts)")
        return
    from xdist.workermanage import parse_tx_spec_config
    hosts.require_served(chosen, hosts.worker_ids([str(spec) for spec in parse_tx_spec_config(config)]))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """xdist: every worker orders its cases by the controller's estimates, so all collect the same order, and
    learns where the controller keeps the reports (a worker elsewhere sends the evidence back)."""
    state = _state(node.config)
    if state is not None:
        node.workerinput["dhcpv6_estimates"] = state["estimates"]
        node.workerinput["dhcpv6_report_dir"] = str(state["report_dir"].resolve())
        node.workerinput["dhcpv6_host"] = socket.gethostname()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Profiles that name their lab host: each case only to that host's workers (hosts.py)."""
    state = _state(config)
    if state is None or not any(run.profile.host for run in state["runs"].values()):
        return None
    runs = sorted(state["runs"].values(), key=lambda run: -len(run.profile.slug))

    def host_of(nodeid: str) -> str | None:
        if len(runs) == 1:
            return runs[0].profile.host
        return next((run.profile.host for run in runs if nodeid.endswith((f"-{run.profile.slug}]",
                                                                           f"[{run.profile.slug}]"))), None)
    return hosts.HostScheduling(config, log, host_of)


def _ships_evidence(config, state) -> bool:
    """A worker on another machine, or with another report folder, than the controller's."""
    if not is_worker(config):
        return False
    given = config.workerinput
    return (given.get("dhcpv6_host", socket.gethostname()) != socket.gethostname()
            or given.get("dhcpv6_report_dir", str(state["report_dir"].resolve())) != str(state["report_dir"].resolve()))


def _state(config) -> dict | None:
    return config.stash.get(_KEY, None)


def _info(item) -> caseinfo.CaseInfo | None:
    marker = item.get_closest_marker("dhcpv6_case")
    return marker.args[0] if marker else None


def _run_of(item, state) -> Run:
    """The profile an item judges: its parameter when the session judges several, else the only one."""
    params = getattr(item, "callspec", None) and item.callspec.params
    slug = params.get("dut_profile") if params else None
    return state["runs"][slug] if slug else next(iter(state["runs"].values()))


def case_name(item) -> str:
    """The case ID, with the deployment model in brackets for a case that runs under each model."""
    model = getattr(item, "callspec", None) and item.callspec.params.get("model")
    return f"{_info(item).case_id}[{model.name}]" if model else _info(item).case_id


def _wanted(item, state) -> bool:
    info = _info(item)
    if info is None:
        return False
    model = getattr(item, "callspec", None) and item.callspec.params.get("model")
    name = model.name if model else None
    if state["selected"] is not None and not caseinfo.matches(state["selected"], info.case_id, name):
        return False
    if caseinfo.matches(state["excluded"], info.case_id, name):
        return False
    if state["sections"] and not any(caseinfo.cites(info, section) for section in state["sections"]):
        return False
    if state["level"] and info.level.value != state["level"]:
        return False
    return not (model and state["models"] and model.name not in state["models"])


def pytest_generate_tests(metafunc):
    """Several profiles: every case once for each (node IDs end in the profile's name: [dhclient], [split-dhcpcd])."""
    state = _state(metafunc.config)
    if state is not None and len(state["runs"]) > 1 and "dut_profile" in metafunc.fixturenames:
        metafunc.parametrize("dut_profile", list(state["runs"]), indirect=True)


def pytest_collection_modifyitems(config, items):
    state = _state(config)
    if state is None:
        return
    for item in items:
        if _info(item) is not None:
            item.extra_keyword_matches.add(case_name(item))  # -k C-PREF-255 / -k "C-REBIND-OTHER[split]"
    keep = [i for i in items if _wanted(i, state)]
    config.hook.pytest_deselected(items=[i for i in items if i not in keep])
    workers = config.workerinput.get("workercount", 1) if is_worker(config) else 1
    items[:] = schedule.order(keep, lambda i: _expected_seconds(i, state), workers) if workers > 1 else keep


def _expected_seconds(item, state) -> float:
    """How long the case should take for its profile: 0 for one it will SKIP (the `lab` fixture's reasons)."""
    profile, info = _run_of(item, state).profile, _info(item)
    if info.role != profile.role or info.missing(profile.capabilities) or (
            profile.via and not item.get_closest_marker("behind_relay")):
        return 0.0
    return state["estimates"].get(f"{profile.slug} {case_name(item)}", schedule.UNKNOWN)


@pytest.fixture
def dut_profile(request):
    state = _state(request.config)
    if state is None:
        pytest.skip("no --dut-profile given")
    return _run_of(request.node, state).profile


@pytest.fixture
def lab(request, dut_profile):
    """A client or relay testbed for this case, as its role says; skipped where the profile lacks the role or
    capabilities it needs."""
    from .relaybed import ClientBehindRelayTestbed, RelayTestbed
    from .testbed import ClientTestbed
    info = _info(request.node)
    if info is not None:
        if info.role != dut_profile.role:
            pytest.skip(f"case for a {info.role} DUT; the profile's DUT is a {dut_profile.role}")
        missing = info.missing(dut_profile.capabilities)
        if missing:
            pytest.skip(f"the profile does not declare {', '.join(missing)}")
        if dut_profile.via and not request.node.get_closest_marker("behind_relay"):
            pytest.skip("judged on a direct link only, not behind a relay")
    name = case_name(request.node) if info else request.node.name
    folder = evidence.case_dir(_state(request.config)["report_dir"], dut_profile, name)
    with ExitStack() as device:
        if dut_profile.bench:  # other workers' cases on this device wait
            from .lab import bench_port
            device.enter_context(bench_port.held(dut_profile.bench.ports))
        if dut_profile.via:
            testbed = ClientBehindRelayTestbed(dut_profile, dut_profile.via, folder)
        else:
            testbed = (RelayTestbed if info is not None and info.role == "relay" else ClientTestbed)(dut_profile,
                                                                                                      folder)
        request.node.stash[_TESTBED] = testbed
        yield testbed
        testbed.close()


_RESULT = pytest.StashKey[dict]()


def _judge(report, call, info: caseinfo.CaseInfo, strict: bool) -> tuple[Outcome, str]:
    """The outcome one phase's report stands for. Only a Violation (the DUT broke the quoted requirement) is a
    FAIL or WARN; any other exception, an assert inside scapy, pyroute2 or a helper included, is the harness's
    ERROR."""
    if report.skipped:
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else "skipped"
        return Outcome.SKIP, reason.removeprefix("Skipped: ")
    if report.passed:
        return Outcome.PASS, ""
    if report.when == "call" and call.excinfo is not None and call.excinfo.errisinstance(Violation):
        level = call.excinfo.value.level or info.level
        return (Outcome.FAIL if level == Level.MUST or strict else Outcome.WARN), str(call.excinfo.value)
    if call.excinfo is not None and call.excinfo.errisinstance(HarnessError):
        return Outcome.ERROR, str(call.excinfo.value)
    text = call.excinfo.exconly() if call.excinfo is not None else str(report.longrepr)
    return Outcome.ERROR, text


def _after_teardown(testbed, info: caseinfo.CaseInfo, so_far: dict) -> None:
    """What only the closed testbed knows overrides the case's own verdict: a part of the suite that failed makes
    it ERROR (the verdict may rest on it); a DUT that crashed after it had begun to talk has FAILed the case; any
    other ending of the DUT is written into the verdict."""
    failures = testbed.harness_failures()
    if failures:
        heads = "; ".join(text.strip().splitlines()[-1] for text in failures[:3])
        so_far["outcome"] = Outcome.ERROR
        so_far["message"] = (f"a part of the suite failed, so no verdict can stand ({len(failures)} failure(s), "
                             f"tracebacks in harness-errors.txt): {heads}" + _previous(so_far))
        return
    ending = testbed.dut_ending()
    if ending is None:
        return
    sentence, crashed = ending
    testbed.record("dut_ending", sentence.split(";")[0])
    if crashed and so_far["outcome"] != Outcome.SKIP:
        so_far["outcome"] = Outcome.FAIL
        so_far["message"] = (f"{info.title}\n  not done: {sentence}" + _previous(so_far))
    else:
        so_far["message"] = (so_far["message"] + "\n" if so_far["message"] else "") + sentence


def _previous(so_far: dict) -> str:
    return f"\n  (the case's own verdict: {so_far['message']})" if so_far["message"] else ""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Judges each phase; the teardown's report carries the case's result (to_wire) to whoever records it: this
    process, or the xdist controller."""
    report = yield
    state, info = _state(item.config), _info(item)
    if state is None or info is None:
        return report
    run = _run_of(item, state)
    if report.when == "setup":
        report.dhcpv6_case = [case_name(item), info.title, run.profile.slug]  # the console's line as it starts
    so_far = item.stash.setdefault(_RESULT, {"outcome": Outcome.PASS, "message": "", "duration": 0.0})
    so_far["duration"] += report.duration
    outcome, message = _judge(report, call, info, state["strict"])
    if so_far["outcome"] == Outcome.PASS and outcome != Outcome.PASS:
        so_far["outcome"], so_far["message"] = outcome, message
        if outcome in (Outcome.FAIL, Outcome.WARN):
            so_far["level"] = call.excinfo.value.level  # the broken requirement's, when not the case's own
    if outcome == Outcome.WARN:
        report.outcome = "passed"  # a broken SHOULD is reported, not failed, unless --strict
        report.sections.append(("dhcpv6-conformance WARN", message))
    waiver = run.profile.waiver(case_name(item))
    if outcome == Outcome.FAIL and waiver:
        report.outcome = "passed"  # a known failure, shown as WAIVED: it does not fail the run
        report.sections.append(("dhcpv6-conformance WAIVED", f"{waiver}: {message}"))
    if report.when == "teardown":
        testbed = item.stash.get(_TESTBED, None)
        before = so_far["outcome"]
        if testbed is not None:
            _after_teardown(testbed, info, so_far)
        _waive(so_far, waiver)
        if so_far["outcome"] != before and so_far["outcome"] in (Outcome.FAIL, Outcome.ERROR) and report.passed:
            report.outcome, report.longrepr = "failed", so_far["message"]  # pytest's own summary shows it too
        result = _result(item, info, run, so_far)
        disk_full = _write_verdict(state, result, info, testbed)
        report.dhcpv6 = {"run": run.profile.slug, "result": to_wire(result), "disk_full": disk_full}
        if testbed is not None and _ships_evidence(item.config, state):
            report.dhcpv6["evidence_tar"] = hosts.pack(testbed.evidence_dir)
    return report


def _write_verdict(state, result: CaseResult, info, testbed) -> bool:
    """verdict.txt beside the case's evidence; True (and the result an ERROR) if the disk filled."""
    try:
        if testbed is not None:
            if testbed.disk_full:
                raise OSError(errno.ENOSPC, "the case's evidence could not be written")
            evidence.write_verdict(testbed.evidence_dir, result, info)
        return False
    except OSError as exc:
        if not evidence.disk_full(exc):
            raise
        result.outcome = Outcome.ERROR
        result.message = (f"the disk holding {state['report_dir']} filled during the case ({exc.strerror}), so its "
                          "evidence is incomplete; the run ends here")
        return True


class _Recorder:
    """Records each finished case (from this process or an xdist worker) and rewrites its profile's JUnit and
    results file, so a run that is cut keeps what finished. Registered where the reports are written: the
    controller, or a session without xdist."""

    def __init__(self, state: dict):
        self.state = state

    def pytest_runtest_logreport(self, report):
        carried = getattr(report, "dhcpv6", None)
        if carried is None:
            return
        state = self.state
        run, result = state["runs"][carried["run"]], from_wire(carried["result"])
        if "evidence_tar" in carried:  # from a worker elsewhere: beside this run's reports
            _receive_evidence(state, run, result, carried["evidence_tar"])
        run.results.append(result)
        run.results.sort(key=lambda r: r.case_id)  # the same order whatever order side-by-side cases end in
        try:
            if carried["disk_full"]:
                raise OSError(errno.ENOSPC, "the case's evidence could not be written")
            _write_reports(run, state)
        except OSError as exc:
            if not evidence.disk_full(exc):
                raise
            state["reserve"].release()  # room for the reports of the cases that finished
            if result.outcome != Outcome.ERROR:
                result.outcome = Outcome.ERROR
                result.message = f"the disk holding {state['report_dir']} filled ({exc.strerror}); the run ends here"
            for each in state["runs"].values():
                _write_reports(each, state)
            pytest.exit(f"the disk holding {state['report_dir']} is full: the run ends after "
                        f"{sum(len(r.results) for r in state['runs'].values())} case(s); their JUnit: "
                        f"{', '.join(str(r.junit) for r in state['runs'].values())}",
                        returncode=EnvironmentUnfit.exit_status)


def _receive_evidence(state, run: Run, result: CaseResult, blob: bytes | None) -> None:
    if blob is None:
        result.properties["evidence_left"] = (f"larger than {hosts.SHIP_LIMIT // 1048576} MiB: left on worker "
                                              f"{result.properties.get('worker')} in {result.evidence}")
        result.evidence = ""
        return
    folder = evidence.case_dir(state["report_dir"], run.profile, result.case_id)
    hosts.unpack(blob, folder)
    result.evidence = str(folder)


def _waive(so_far: dict, waiver: str | None) -> None:
    """A FAIL the profile waives is WAIVED with the waiver's reason; a waiver for a case that did not fail is
    stale, and says so."""
    if not waiver:
        return
    if so_far["outcome"] == Outcome.FAIL:
        so_far["outcome"] = Outcome.WAIVED
        so_far["message"] = f"waived ({waiver}): {so_far['message']}"
    elif so_far["outcome"] in (Outcome.PASS, Outcome.WARN):
        so_far["stale_waiver"] = waiver


def _write_reports(run: Run, state) -> None:
    """The JUnit and results-PROFILE.json of one profile's cases so far."""
    junit.write(run.junit, run.profile, run.results, state["strict"], run.meta)
    results_file.write(state["report_dir"], run.profile, run.results, run.meta)


def pytest_unconfigure(config):
    state = _state(config)
    if state is not None and state["reserve"] is not None:
        state["reserve"].release()


def _result(item, info, run: Run, so_far) -> CaseResult:
    profile = run.profile
    testbed = item.stash.get(_TESTBED, None)
    result = CaseResult(case_id=case_name(item), profile=profile.label, outcome=so_far["outcome"],
                        level=so_far.get("level") or info.level,
                        rfc=info.rfc, title=info.title, requirement=info.requirement, message=so_far["message"],
                        duration=so_far["duration"])
    if testbed is not None:
        result.measured = "; ".join(f"{k}={v}" for k, v in testbed.measurements.items())
        result.expected = "; ".join(f"{k}: {v}" for k, v in testbed.expected.items())
        result.evidence = str(testbed.evidence_dir)
        result.properties["capture_drops"] = str(sum(capture.lost for capture in testbed.captures))
        result.properties.update({name: f"{seconds:.3f}" for name, seconds in testbed.phases().items()})
        result.samples = {name: list(values) for name, values in testbed.samples.items()}
    if is_worker(item.config):
        result.properties["worker"] = item.config.workerinput["workerid"]
    if so_far.get("stale_waiver"):
        result.properties["stale_waiver"] = (f"the profile waives this case ({so_far['stale_waiver']}) but it did "
                                             "not fail: the waiver can go")
    return result


def pytest_sessionfinish(session):
    """One HTML report across this run's profiles, in REPORT_DIR/html."""
    state = _state(session.config)
    if state is None or state["console"] is None:
        return
    written = [str(results_file.path(state["report_dir"], run.profile)) for run in state["runs"].values()
               if run.results]
    if written:
        from .report import html
        state["html"] = html.write(written, state["report_dir"] / "html")


def pytest_terminal_summary(terminalreporter, config):
    state = _state(config)
    if state is None or state["console"] is None:
        return
    for run in state["runs"].values():
        if not run.results:
            continue
        profile = run.profile
        title = f"{profile.label} ({'strict, ' if state['strict'] else ''}{run.meta['reference']})"
        files = [("JUnit", run.junit), ("Results", results_file.path(state["report_dir"], profile)),
                 ("Evidence", evidence.case_dir(state["report_dir"], profile, "x").parent / "<case>")]
        state["console"].summary(title, run.results, files)
    if state.get("html"):
        terminalreporter.write_line(f"{'Report:':10}{state['html']}")


def results(config) -> list[CaseResult]:
    """The verdicts of this session, every profile's (for the command line's exit status)."""
    state = _state(config)
    return [result for run in state["runs"].values() for result in run.results] if state else []
