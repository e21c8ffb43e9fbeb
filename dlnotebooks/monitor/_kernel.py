"""Let an ipykernel handle widget messages while a cell is still running.

Why: a Jupyter kernel reads the next shell message only after the running cell returns, so a
Stop button's click waits until ``while not monitor.stop:`` has already run to the end.

How (ipykernel 7): a shell-channel thread forwards every shell message through an in-process
socket pair to the main thread, where a pyzmq ``ZMQStream`` hands it to the kernel's
dispatcher when the event loop turns, which it does not while a cell blocks. :meth:`ShellPump.pump`,
called from the main thread when the loop reads ``monitor.stop``, swaps in its own receive
callback and flushes that stream with the public ``ZMQStream.flush(zmq.POLLIN)``:

* comm messages (``comm_open``, ``comm_msg``, ``comm_close``: widget clicks and state) are
  handled at once by the kernel's own handler, with the kernel's parent header set to the
  comm message and restored afterwards, so output stays with the running cell;
* everything else (queued ``execute_request``s, completions, the kernel's internal
  "stop aborting" marker) is kept untouched, in arrival order.

When the cell ends (IPython's ``post_run_cell``, which also fires after errors and
``KeyboardInterrupt``, plus an idempotent event-loop callback as a safety net), the original
callback is put back and the kept messages are handed to it in arrival order, so the kernel
runs them exactly as if nothing had happened: once each, in order, and aborted after an error
or interrupt as Jupyter normally does.

Headers are peeked with ``session.deserialize(..., content=False)``: deserializing the content
would record the message's signature, and the kernel would later drop the replayed message
as a duplicate. The socket is never read behind the stream's back.

Anything unexpected in the kernel's layout makes :func:`get_pump` warn once and return None;
the monitor's Stop button then is a plain flag (it acts after the cell; Kernel -> Interrupt
still works).
"""

import asyncio
import inspect
import sys
import threading
import warnings

COMM_TYPES = frozenset({"comm_open", "comm_msg", "comm_close"})

_pump = None
_failed = False


def kernel_shell():
    """Return the running IPython shell if it belongs to a Jupyter kernel, else None."""
    if "IPython" not in sys.modules:
        return None
    try:
        from IPython import get_ipython
    except Exception:  # pragma: no cover - broken IPython install
        return None
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    return shell


def any_shell():
    """Return the running IPython shell (terminal or kernel), or None."""
    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython

    return get_ipython()


class LayoutError(RuntimeError):
    """The kernel is not laid out as the pump expects."""


class ShellPump:
    """Drain pending shell messages of an ipykernel 7 kernel from the main thread."""

    def __init__(self, shell):
        import zmq
        from zmq.eventloop.zmqstream import ZMQStream

        self._zmq = zmq
        kernel = shell.kernel
        channel = getattr(kernel, "shell_channel_thread", None)
        if channel is None:
            raise LayoutError("the kernel has no shell channel thread (ipykernel < 7?)")
        pair = channel.manager.get_shell_channel_to_subshell_pair(None)
        stream = getattr(pair, "to_stream", None)
        if not isinstance(stream, ZMQStream):
            raise LayoutError("the main shell's inproc stream is not a ZMQStream")
        for name in ("_recv_callback", "_recv_copy"):
            if not hasattr(stream, name):
                raise LayoutError(f"ZMQStream has no {name}")
        if not callable(stream._recv_callback):
            raise LayoutError("the main shell's stream has no receive callback")
        for name in ("session", "shell_handlers", "set_parent", "get_parent",
                     "_shell_parent_ident", "_get_shell_context_var", "io_loop"):
            if not hasattr(kernel, name):
                raise LayoutError(f"the kernel has no attribute {name}")
        if not COMM_TYPES <= set(kernel.shell_handlers):
            raise LayoutError("the kernel has no comm handlers")
        self.shell = shell
        self.kernel = kernel
        self.stream = stream
        self.main_thread = channel.parent_thread
        self.kept = []
        self.handled_comms = 0
        self._original = None
        self._busy = False
        shell.events.register("post_run_cell", self._post_run_cell)

    # -- called from the monitor ---------------------------------------------------------
    def pump(self):
        """Handle pending comm messages now; keep the rest for after the cell.

        Returns the number of comm messages handled. Does nothing off the main thread or when
        re-entered from a comm handler.
        """
        if self._busy or threading.current_thread() is not self.main_thread:
            return 0
        self._busy = True
        before = self.handled_comms
        try:
            if self._original is None:
                self._install()
            self.stream.flush(self._zmq.POLLIN)
        finally:
            self._busy = False
        return self.handled_comms - before

    # -- internals -------------------------------------------------------------------------
    def _install(self):
        self._original = (self.stream._recv_callback, self.stream._recv_copy)
        self.stream.on_recv(self._receive, copy=self._original[1])
        # Safety net for pumps outside a cell: runs when the event loop turns next.
        self.kernel.io_loop.add_callback(self.restore)

    def _receive(self, frames):
        msg_type = self._peek(frames)
        if msg_type in COMM_TYPES:
            self._handle_comm(frames, msg_type)
        else:
            self.kept.append(frames)

    def _peek(self, frames):
        session = self.kernel.session
        try:
            _, parts = session.feed_identities(frames, copy=False)
            header = session.deserialize(parts, content=False, copy=False)["header"]
            return header.get("msg_type")
        except Exception:
            return None

    def _handle_comm(self, frames, msg_type):
        kernel = self.kernel
        session = kernel.session
        try:
            idents, parts = session.feed_identities(frames, copy=False)
            msg = session.deserialize(parts, content=True, copy=False)
        except Exception:
            return
        saved_parent = kernel.get_parent("shell")
        saved_ident = kernel._get_shell_context_var(kernel._shell_parent_ident)
        kernel.set_parent(idents, msg, channel="shell")
        try:
            kernel.shell_handlers[msg_type](kernel.shell_stream, idents, msg)
            self.handled_comms += 1
        except Exception:
            kernel.log.error("Exception in comm handler during a running cell", exc_info=True)
        finally:
            kernel.set_parent(saved_ident, saved_parent, channel="shell")

    def restore(self):
        """Put the kernel's callback back and hand it the kept messages in arrival order."""
        if self._original is None:
            return
        callback, copy = self._original
        self._original = None
        kept, self.kept = self.kept, []
        self.stream.on_recv(callback, copy=copy)
        for frames in kept:
            result = callback(frames)
            if inspect.isawaitable(result):
                # A task per message, created in arrival order before the event loop turns,
                # so later arrivals queue behind them on the kernel's lock.
                asyncio.ensure_future(result)

    def _post_run_cell(self, result=None):
        self.restore()


def get_pump():
    """Return the process's :class:`ShellPump`, or None outside a kernel or on a layout we
    do not know (then warn once)."""
    global _pump, _failed
    if _pump is not None:
        return _pump
    if _failed:
        return None
    shell = kernel_shell()
    if shell is None:
        return None
    try:
        _pump = ShellPump(shell)
    except Exception as error:  # any surprise in ipykernel's internals
        _failed = True
        warnings.warn(
            f"TrainingProgressMonitor: this kernel's internals are not the tested ones "
            f"({error}); the Stop button will take effect only after the running cell. "
            "Use Kernel > Interrupt to stop a loop now, and run `dlnotebooks doctor`.",
            RuntimeWarning, stacklevel=3)
        return None
    return _pump
