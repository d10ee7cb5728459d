/**
 * The connections of a run, held by one or more processes: {@link org.pushgate.load.worker.Workers} is the
 * coordinator's view of them, {@link org.pushgate.load.worker.WorkerProgress} and
 * {@link org.pushgate.load.worker.WorkerResult} what each process reports (over the line protocol when it is a
 * child), {@link org.pushgate.load.worker.Merged} their sum.
 */
package org.pushgate.load.worker;
