// RFC 9457 problem details, the body of every 4xx/5xx the API returns.
export interface FieldProblem {
  /** Dotted path to the field, e.g. "events.3.rings". */
  path: string;
  message: string;
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldProblem[];
}
