"""A small process supervisor: what `make run` runs its processes under.

Why not honcho (what ran them before): it has no restart policy; when one process dies it
stops the rest after five seconds, so a killed worker took the site down, and on Ctrl-C the
terminal's SIGINT reached every process at once. supervisord restarts the main process but not
what it leaves behind, and a program that keeps failing stays FATAL while the rest runs on,
half-alive; circus brings ZeroMQ and tornado for the same. This file holds only what those do
not: ~200 lines, the standard library and honcho's printer.

- Each program runs in its own session and process group, so Ctrl-C at the terminal reaches
  the supervisor alone, which stops them in order; each dies with the supervisor (Linux's
  parent-death signal), so a kill -9 of the supervisor leaves nothing behind.
- A program that exits is restarted after a back-off (1 s, doubling to 30 s); whatever its
  process group still holds (a worker's pool process, gunicorn's workers) is killed first, so
  no orphan keeps working beside the new one. One that dies `max_deaths` times within
  `death_window` seconds stops the whole run with a message saying so: never half-alive.
- Programs start in their order; a program with a `ready` check holds back the ones after it
  until the check passes, a one-shot program (`oneshot`: seed_demo) until it exits 0.
- Stopping (SIGINT, SIGTERM): by `stop_order`, lowest first, programs of one order together,
  each through its `stop_steps` (signal, to the whole group or the main process, seconds to
  wait), then SIGKILL to its group. A second Ctrl-C skips the waiting.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from honcho.colour import get_colours
from honcho.printer import Message, Printer

SYSTEM = "system"
_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True) if sys.platform == "linux" else None


@dataclass(frozen=True)
class StopStep:
    signal: int
    group: bool  # to the whole process group (pool processes included), else to the main process only
    wait: float  # seconds to wait for the program to exit before the next step


@dataclass
class Program:
    name: str
    command: list[str]
    env: dict[str, str] | None = None
    cwd: str | None = None
    stop_steps: tuple[StopStep, ...] = (StopStep(signal.SIGTERM, False, 10.0),)
    stop_order: int = 0
    oneshot: bool = False  # runs once, to completion; the programs after it start when it exits 0
    ready: Callable[[], bool] | None = None  # polled until true before the programs after it start
    ready_timeout: float = 120.0
    nice: int = 0  # added niceness: a training worker yields the CPU to the interactive one
    idle_class: bool = False  # Linux SCHED_IDLE: runs only on CPU time nothing else wants


@dataclass
class _State:
    program: Program
    proc: subprocess.Popen | None = None
    started: float = 0.0
    restart_at: float | None = None
    deaths: deque = field(default_factory=deque)
    done: bool = False  # a one-shot program that exited 0
    ready: bool = False


class SupervisorFailed(Exception):
    pass


class Supervisor:
    def __init__(
        self,
        programs: list[Program],
        *,
        out=None,
        backoff: float = 1.0,
        backoff_max: float = 30.0,
        max_deaths: int = 5,
        death_window: float = 60.0,
        poll: float = 0.1,
    ) -> None:
        self.states = [_State(p) for p in programs]
        self.backoff, self.backoff_max = backoff, backoff_max
        self.max_deaths, self.death_window, self.poll = max_deaths, death_window, poll
        self.printer = Printer(out or sys.stdout, width=max([len(SYSTEM), *(len(p.name) for p in programs)]))
        self._colours = dict(zip((p.name for p in programs), get_colours(), strict=False))
        self._print_lock = threading.Lock()
        self._stop = threading.Event()
        self._hurry = threading.Event()
        self.returncode: int | None = None
        self.failure: str | None = None

    # --- output --------------------------------------------------------------------------------

    def say(self, text: str, name: str = SYSTEM) -> None:
        message = Message(
            type="line", data=text.rstrip("\n") + "\n", time=datetime.datetime.now(), name=name,
            colour=self._colours.get(name),
        )  # fmt: skip
        with self._print_lock:
            self.printer.write(message)

    def _relay(self, name: str, stream) -> None:
        for raw in iter(stream.readline, b""):
            self.say(raw.decode("utf-8", "replace"), name)
        stream.close()

    # --- processes -----------------------------------------------------------------------------

    def _spawn(self, state: _State) -> None:
        program = state.program

        def child_setup() -> None:  # runs in the child between fork and exec: no locks, no imports
            if _libc is not None:
                _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
            if program.nice:
                os.nice(program.nice)
            if program.idle_class and hasattr(os, "SCHED_IDLE"):
                os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))

        state.proc = subprocess.Popen(
            program.command,
            env=program.env,
            cwd=program.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=child_setup,
        )
        state.started, state.restart_at, state.ready = time.monotonic(), None, program.ready is None
        threading.Thread(target=self._relay, args=(program.name, state.proc.stdout), daemon=True).start()
        self.say(f"{program.name} started (pid {state.proc.pid})")

    @staticmethod
    def _signal(state: _State, sig: int, group: bool) -> None:
        if state.proc is None:
            return
        try:
            os.killpg(state.proc.pid, sig) if group else state.proc.send_signal(sig)
        except (ProcessLookupError, PermissionError):
            pass

    def _exited(self, state: _State, code: int) -> None:
        program = state.program
        self._signal(state, signal.SIGKILL, group=True)  # what its group left behind goes with it
        state.proc = None
        how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        if program.oneshot:
            if code == 0:
                state.done = True
                self.say(f"{program.name} finished")
                return
            raise SupervisorFailed(f"{program.name} failed ({how}); stopping everything.")
        now = time.monotonic()
        state.deaths.append(now)
        while state.deaths and state.deaths[0] < now - self.death_window:
            state.deaths.popleft()
        if len(state.deaths) >= self.max_deaths:
            raise SupervisorFailed(
                f"{program.name} died {len(state.deaths)} times within {self.death_window:.0f} s (last: {how}); "
                "stopping everything rather than running half of it."
            )
        delay = min(self.backoff * 2 ** (len(state.deaths) - 1), self.backoff_max)
        state.restart_at = now + delay
        self.say(f"{program.name} exited ({how}); restarting in {delay:.0f} s")

    # --- the loop ------------------------------------------------------------------------------

    def request_stop(self) -> None:
        if self._stop.is_set():
            self._hurry.set()
        self._stop.set()

    def _on_signal(self, signum, _frame) -> None:
        if self._stop.is_set():
            self.say("stopping now, without waiting (jobs still running are failed by the reaper later)")
        else:
            self.say(f"{signal.Signals(signum).name} received: stopping (Ctrl-C again to stop at once)")
        self.request_stop()

    def pids(self) -> dict[str, int | None]:
        return {s.program.name: (s.proc.pid if s.proc else None) for s in self.states}

    def run(self, *, install_signals: bool = True) -> int:
        if install_signals:
            signal.signal(signal.SIGINT, self._on_signal)
            signal.signal(signal.SIGTERM, self._on_signal)
        try:
            self._loop()
            self.returncode = 0
        except SupervisorFailed as exc:
            self.failure = str(exc)
            self.say(f"ERROR: {exc}")
            self.returncode = 1
        finally:
            self._shutdown()
        return self.returncode

    def _loop(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic()
            blocked = False  # a program not ready yet (or a one-shot not done) holds back the first start of the rest
            for state in self.states:
                program = state.program
                if state.proc is not None and (code := state.proc.poll()) is not None:
                    self._exited(state, code)
                if state.done:
                    continue
                if state.proc is None:
                    first = not state.started
                    due = state.restart_at is not None and now >= state.restart_at
                    if (first and not blocked) or due:
                        self._spawn(state)
                if state.proc is not None and not state.ready:
                    state.ready = bool(program.ready())
                    if state.ready:
                        self.say(f"{program.name} is ready")
                    elif time.monotonic() - state.started > program.ready_timeout:
                        raise SupervisorFailed(f"{program.name} not ready after {program.ready_timeout:.0f} s")
                if not state.started or program.oneshot or not state.ready:
                    blocked = True
            self._stop.wait(self.poll)

    @staticmethod
    def _alive(state: _State) -> bool:
        return state.proc is not None and state.proc.poll() is None

    def _shutdown(self) -> None:
        final = StopStep(signal.SIGKILL, True, 10.0)
        for order in sorted({s.program.stop_order for s in self.states}):
            group = [s for s in self.states if s.program.stop_order == order and s.proc is not None]
            for index in range(1 + max((len(s.program.stop_steps) for s in group), default=0)):
                waits = []
                for state in group:
                    steps = (*state.program.stop_steps, final)
                    if index >= len(steps) or not self._alive(state):
                        continue
                    step = steps[index]
                    if step is final and index:
                        self.say(f"{state.program.name} did not stop in time: SIGKILL")
                    else:
                        target = " to its process group" if step.group else ""
                        self.say(f"stopping {state.program.name}: {signal.Signals(step.signal).name}{target}")
                    self._signal(state, step.signal, step.group)
                    waits.append(step.wait)
                deadline = time.monotonic() + max(waits, default=0.0)
                while any(self._alive(s) for s in group) and time.monotonic() < deadline:
                    if self._hurry.is_set():
                        for state in group:
                            self._signal(state, signal.SIGKILL, True)
                    time.sleep(0.05)
                if not any(self._alive(s) for s in group):
                    break
            for state in group:
                code = state.proc.poll()
                self._signal(state, signal.SIGKILL, True)  # anything its group still holds
                self.say(f"{state.program.name} stopped" + ("" if code is None else f" (exit code {code})"))
                state.proc = None
        self.say("all stopped")
