/**
 * What other domains may use from coverage: reading a finished run back (the evidence pack builds
 * on a report, its checkpoint and the summary its rows add up to). Nothing here writes.
 */
export { readCheckpoint, type CheckpointState, type StartRecord } from './checkpoint';
export { summariseReport, readReportRows } from './export';
export { checkpointPathFor } from './run';
export { refuseUnmaskedReport } from './contact-mask';
