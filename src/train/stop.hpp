#pragma once
// Stopping on request: SIGTERM or the pre-emption signal (SIGUSR2 by default, as SLURM's
// --signal sends it) sets a flag that training checks at every batch boundary.

#include <string>

namespace cpnas {

/// Exit status of a process that stopped on request after writing its checkpoint.
constexpr int kExitInterrupted = 99;

/// Installs the handlers for SIGTERM and `preemption_signal` (idempotent).
void install_stop_handlers(int preemption_signal);

/// Whether a stop was requested since the start or the last clear.
bool stop_requested();

/// Requests a stop as the signals do (a worker told to stop by rank 0).
void request_stop();

/// Forgets a request (for tests and for a resumed run in the same process).
void clear_stop_request();

/// Records in `path` that the job stopped on request with a complete checkpoint. A launcher that
/// passes a SIGTERM on (mpirun) exits 1 whatever its ranks return, so slurm/requeue.sh
/// --stop-record reads this file to know the job can be requeued. Written atomically, last.
void record_stop(const std::string& path);

/// Removes a stop record left by an earlier run (a run that starts is not stopped).
void clear_stop_record(const std::string& path);

}  // namespace cpnas
