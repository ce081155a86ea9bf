// Open clocks as a service: the open cases watched in memory, their deadlines on one timer, breaches claimed and
// pushed, GET /clocks and GET /kiosk answered (clockService.ts); this is its public face.
export { ClockService } from './clockService';
