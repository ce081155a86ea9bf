// Open clocks: the state of one case from its milestones, each standard's clock on it (deadline, at-risk,
// breached), what is recorded at a deadline or at expiry, and the finished event a closed case amounts to.
// Pure: the current time is always an argument (nowMs), the site is passed in, nothing is stored here.
// One idea a module; this is their public face, what the services and the tests import.
export { caseState, type CaseMilestone, type CaseState } from './caseState';
export { agreesWithCaseStart, CASE_START_TOLERANCE_SECONDS } from './caseStart';
export { misorderedPairs, orderedPairs } from './order';
export { expireCase, expiresAtMs, isExpired } from './expiry';
export { clockLimit, clockStatus, type ClockSite } from './standardClock';
export { standardsFromStart, uncountedStarts } from './kiosk';
export { caseJudgements, deadlineJudgement, deadlineVerdict, expiryJudgement, judgeMeasure, standardsForCase } from './judging';
export { toFinishedEvent, type FinishedEvent } from './finishedEvent';
export { clockLabel, matchesClockFilter, openClockOf } from './openClock';
