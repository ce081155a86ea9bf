// Staffing answers over the Erlang C model: the domain computes, this turns its input errors into the core's
// one error type so every adapter answers them the same way (HTTP: a 400 naming the parameter).
import { DomainError } from '../domain/errors';
import { StaffingInputError, staffFor, type StaffingAnswer, type StaffingQuestion } from '../domain/staffing/erlangC';

/** The least number of people for one interval, with the figures for that number and its neighbours. */
export function erlangAnswer(question: StaffingQuestion): StaffingAnswer {
  try {
    return staffFor(question);
  } catch (error) {
    if (error instanceof StaffingInputError) throw new DomainError('invalid', error.field, error.message);
    throw error;
  }
}
