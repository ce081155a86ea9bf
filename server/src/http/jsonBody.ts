// The one JSON body parser of the API: UTF-8 only (bodyText.ts), nesting bounded (jsonDepth.ts).
import express, { type RequestHandler } from 'express';
import { rejectNonUtf8 } from './bodyText';
import { rejectDeepJson } from './jsonDepth';

export const JSON_TYPES = ['application/json', 'application/*+json'];

export function jsonBody(options: { limit: string; strict: boolean }): RequestHandler {
  return express.json({
    ...options,
    type: JSON_TYPES,
    verify: (req, res, body, encoding) => {
      rejectNonUtf8(req, res, body, encoding);
      rejectDeepJson(req, res, body);
    },
  });
}
