// GET /api/v1/staffing/forecast: per local hour of a day, the arrivals forecast from history, the people the
// standard needs for them (Erlang C), and for hours gone by what happened (docs/api.md, docs/staffing.md).

/** One hour of a history day the forecast learned from. */
export interface StaffingHistoryHour {
  /** Local wall-clock start, "09:00". */
  hour: string;
  arrivals: number;
  /** Mean handling time of the hour's events that said it; null when none did. */
  handleSeconds: number | null;
}

export interface StaffingHistoryDay {
  /** YYYY-MM-DD, the same weekday as the forecast day. */
  date: string;
  arrivals: number;
  /** false for a day without any arrival (closed, or nothing recorded yet): it is left out of the forecast. */
  used: boolean;
  hours: StaffingHistoryHour[];
}

/** What an hour gone by (or under way) held. */
export interface StaffingObserved {
  arrivals: number;
  /** Judgements met / counted by the standard's formula; compliance null when none counted. */
  met: number;
  counted: number;
  compliance: number | null;
  /** Mean handling time of the hour's events that said it; null when none did. */
  handleSeconds: number | null;
  /** Distinct people named on the hour's served events; null when no event named anyone. */
  agentsSeen: number | null;
  /** People Erlang C says the hour's actual arrivals needed (complete hours only; null when unknown). */
  agentsNeeded: number | null;
  /** The standard was missed in this hour and fewer people served than its arrivals needed. */
  understaffed: boolean;
}

export interface StaffingHour {
  /** The wall-clock label, "09:00"; on a day the clocks go back, two hours share one. */
  hour: string;
  /** The zone's offset from UTC in that hour, "+01:00": what tells two hours of one label apart. */
  utcOffset: string;
  start: string;
  end: string;
  /** past: over; current: under way now; future: not begun. */
  state: 'past' | 'current' | 'future';
  forecast: {
    /** Mean arrivals of this hour on the history days used; null when there is no history. */
    arrivals: number | null;
    /** Handling time used: this hour's in the history, else the history's whole-day mean; null when none is known. */
    handleSeconds: number | null;
    handleFrom: 'hour' | 'day' | null;
    /** The least number of people meeting the standard for the forecast arrivals; null when it cannot be said. */
    agentsNeeded: number | null;
    /** The service level those people give (P(wait ≤ T)); null with agentsNeeded. */
    serviceLevel: number | null;
  };
  observed: StaffingObserved | null;
}

export interface StaffingForecast {
  site: string;
  timeZone: string;
  date: string;
  standard: { id: string; version: number; name: string; eventType: string; measure: string; operator: string; threshold: number; target: number };
  /** The standard's threshold as a wait in seconds (rings converted with the site's ring cycle). */
  thresholdSeconds: number;
  ringCycleSeconds: number;
  /** How the arrivals were forecast, in words. */
  method: string;
  history: StaffingHistoryDay[];
  hours: StaffingHour[];
}
