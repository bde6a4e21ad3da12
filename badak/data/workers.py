"""Loading batches in worker processes: what a DataLoader with num_workers > 0 runs.

The main process hands each worker, in turn, the indices of one batch (a task); the worker
builds the batch (dataset[i] for each index, then collate_fn) and sends it back; the main
process yields the batches in the order of the tasks, so the result is what num_workers=0
gives. Each worker has its own task queue and its own result pipe, and the main process waits
on the pipes and on the processes themselves, so a worker that dies is noticed at once.

Transport: multiprocessing pickles what crosses a queue or a pipe (index lists one way,
batches and error reports the other). That pickling is only between badak's own processes in
one run; badak never loads a pickle from a file.
"""

import os
import pickle
import random
import weakref

from badak.device import np
from badak.random import default_generator, manual_seed

_POLL_S = 1.0  # how often an idle worker checks that its parent still lives
_JOIN_S = 5.0  # how long shutting down waits for workers before terminating them

_worker_info = None
_DONE = object()  # the end of an epoch's index batches


class WorkerInfo:
    """Which worker this is: `id` in [0, num_workers), `num_workers`, `seed` (badak's generator
    in this worker was seeded with it) and `dataset` (this worker's copy)."""

    def __init__(self, id, num_workers, seed, dataset):
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset

    def __repr__(self):
        return f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed})"


def get_worker_info():
    """In a DataLoader's worker process its WorkerInfo; in the main process None."""
    return _worker_info


class _Message(str):
    """An error text that shows as itself (KeyError would print the repr of a plain str)."""

    def __repr__(self):
        return str(self)


# ----------------------------------------------------------------------------------------------
# The worker process
# ----------------------------------------------------------------------------------------------
def _worker_loop(worker_id, num_workers, seed, dataset, fetcher, worker_init_fn, tasks, results):
    """Answer tasks (epoch, number, index) until None arrives or the parent is gone.

    Each answer is (epoch, number, kind, value): kind "batch" (value the batch), "end" (an
    IterableDataset's stream is over) or "error" (value: (exception class, message)).
    """
    global _worker_info
    import queue

    parent = os.getppid()
    try:
        manual_seed(seed)
        random.seed(seed)
        np.random.seed(seed % 2**32)  # this process's own global generator, not the parent's
        _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
        failure = None
        if worker_init_fn is not None:
            try:
                worker_init_fn(worker_id)
            except Exception as error:
                failure = _failure(error, worker_id, "in worker_init_fn")
        epoch = stream = None
        while True:
            try:
                task = tasks.get(timeout=_POLL_S)
            except queue.Empty:
                if os.getppid() != parent:
                    return
                continue
            if task is None:
                return
            task_epoch, number, index = task
            if failure is not None:
                answer = "error", failure
            else:
                if task_epoch != epoch:  # a new epoch: an IterableDataset starts over
                    epoch, stream = task_epoch, None
                try:
                    if fetcher.iterable and stream is None:
                        stream = iter(dataset)
                    answer = "batch", fetcher.fetch(stream if fetcher.iterable else index)
                except StopIteration:
                    answer = "end", None
                except Exception as error:
                    answer = "error", _failure(error, worker_id, f"loading batch {number}")
            if not _send(results, task_epoch, number, answer, worker_id):
                return
    except KeyboardInterrupt:  # the main process gets it too and shuts the workers down
        return


def _failure(error, worker_id, doing):
    import traceback

    text = (
        f"DataLoader worker {worker_id} (pid {os.getpid()}) raised {type(error).__name__} "
        f"{doing}; the worker's traceback:\n{traceback.format_exc()}"
    )
    return type(error), text


def _send(results, epoch, number, answer, worker_id):
    """Pickle and send one answer (an unpicklable batch or error class is reported instead);
    False once the main process has closed its end."""
    try:
        data = pickle.dumps((epoch, number, *answer), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as error:
        if answer[0] == "error":  # an exception class defined where pickle cannot find it
            answer = "error", (RuntimeError, answer[1][1])
        else:
            answer = "error", _failure(error, worker_id, f"sending batch {number}")
        data = pickle.dumps((epoch, number, *answer), protocol=pickle.HIGHEST_PROTOCOL)
    try:
        results.send_bytes(data)
    except OSError:  # BrokenPipeError: the main process is gone or shutting down
        return False
    return True


# ----------------------------------------------------------------------------------------------
# The main process's side
# ----------------------------------------------------------------------------------------------
def base_seed(generator):
    """A seed for the workers, drawn without moving `generator`'s stream (a spawned child), so
    that shuffling gives the same orders with workers as without."""
    rng = generator or default_generator()
    try:
        rng = rng.spawn(1)[0]
    except (AttributeError, TypeError, ValueError):  # no seed sequence to spawn from
        pass
    return int(rng.integers(2**62))


class WorkerPool:
    """num_workers processes running _worker_loop, and the main process's ends of their queues.

    `run(epoch, indices, prefetch)` gives the batches of one epoch in order; starting another
    run ends the one before. The workers stop when `close()` is called, when a worker fails, or
    when the pool is garbage-collected.
    """

    def __init__(self, num_workers, dataset, fetcher, worker_init_fn, context, seed, timeout):
        import multiprocessing  # only worker pools need it: `import badak` stays quick

        if context is None or isinstance(context, str):
            context = multiprocessing.get_context(context)
        self.timeout = timeout
        self.iterable = fetcher.iterable
        self.epoch = None
        self.tasks, self.results, self.processes = [], [], []
        self._finalizer = weakref.finalize(
            self, _shut_down, self.tasks, self.results, self.processes
        )
        try:
            for worker_id in range(num_workers):
                reader, writer = context.Pipe(duplex=False)
                self.tasks.append(context.Queue())
                self.results.append(reader)
                process = context.Process(
                    target=_worker_loop,
                    args=(
                        worker_id,
                        num_workers,
                        seed + worker_id,
                        dataset,
                        fetcher,
                        worker_init_fn,
                        self.tasks[-1],
                        writer,
                    ),  # fmt: skip
                    daemon=True,
                )
                process.start()
                self.processes.append(process)
                writer.close()  # the worker holds the only writing end: its death reads as EOF
        except BaseException:
            self.close()
            raise

    def close(self):
        self._finalizer()

    @property
    def closed(self):
        return not self._finalizer.alive

    def run(self, epoch, indices, prefetch):
        """Generator of one epoch's batches, in task order. `indices` is an iterator of index
        batches; an IterableDataset's workers ignore it and read their own streams, worker 0,
        1, ... in turn, until every stream has ended."""
        self.epoch = epoch
        num_workers = len(self.processes)
        active = set(range(num_workers))  # workers whose stream has not ended
        owner, stash = {}, {}
        sent = received = turn = 0

        def send():
            nonlocal sent, turn
            index = None
            if not self.iterable:
                index = next(indices, _DONE)
                if index is _DONE:
                    return
            for _ in range(num_workers):
                worker, turn = turn % num_workers, turn + 1
                if worker in active:
                    self.tasks[worker].put((epoch, sent, index))
                    owner[sent] = worker
                    sent += 1
                    return

        for _ in range(prefetch * num_workers):
            send()
        while received < sent:
            if self.epoch != epoch or self.closed:
                raise RuntimeError(
                    "DataLoader: this iteration was ended by a newer one over the same "
                    "persistent workers"
                )
            kind, value = self._receive(epoch, received, owner[received], stash)
            worker = owner.pop(received)
            received += 1
            if kind == "error":
                self.close()
                raise _rebuild(*value)
            if kind == "end":
                active.discard(worker)
            send()
            if kind == "batch":
                yield value

    def _receive(self, epoch, number, worker, stash):
        """The answer to task `number`, waiting for it; answers to other tasks are kept in
        `stash` and those of an earlier epoch (an iteration left unfinished) dropped."""
        from multiprocessing.connection import wait

        while number not in stash:
            live = [r for r in self.results if not r.closed]
            ready = wait(live + [p.sentinel for p in self.processes], self.timeout or None)
            if not ready:
                self.close()
                raise RuntimeError(
                    f"DataLoader: timed out after {self.timeout} s waiting for batch {number} "
                    f"from worker {worker}"
                )
            for reader in live:
                if reader not in ready:
                    continue
                try:
                    data = reader.recv_bytes()
                except (EOFError, OSError):
                    reader.close()  # the worker is gone; its sentinel says how
                    continue
                # transport between badak's own processes; see the module's docstring
                answer_epoch, answer_number, kind, value = pickle.loads(data)
                if answer_epoch == epoch:
                    stash[answer_number] = kind, value
            if number not in stash:
                self._check_alive(ready)
        return stash.pop(number)

    def _check_alive(self, ready):
        """Raise where a worker has exited and nothing of it is left to read."""
        for worker_id, process in enumerate(self.processes):
            reader = self.results[worker_id]
            if process.sentinel in ready and (reader.closed or not reader.poll()):
                self.close()
                raise RuntimeError(
                    f"DataLoader worker {worker_id} (pid {process.pid}) exited unexpectedly "
                    f"with {_exit_text(process.exitcode)}"
                )


def _exit_text(code):
    if code is not None and code < 0:
        import signal

        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def _rebuild(cls, text):
    """The worker's exception, of its class where one message builds it, else RuntimeError."""
    try:
        error = cls(_Message(text))
        if isinstance(error, Exception):
            return error
    except Exception:
        pass
    return RuntimeError(text)


def _shut_down(tasks, results, processes):
    """Ask every worker to stop, close the pipes (a worker blocked sending gets a broken pipe),
    wait a little, then terminate those still running."""
    for task_queue in tasks:
        try:
            task_queue.put(None)
        except (OSError, ValueError):
            pass
    for reader in results:
        reader.close()
    for process in processes:
        process.join(_JOIN_S)
        if process.is_alive():
            process.terminate()
            process.join()
    for task_queue in tasks:
        task_queue.cancel_join_thread()
        task_queue.close()
