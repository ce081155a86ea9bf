// Amazon Connect contact records (CTRs) in the contact record data model's format, for the unit and integration tests.

export const INSTANCE = 'arn:aws:connect:eu-central-1:123456789012:instance/5e9c3f0a-1b2c-4d5e-8f90-a1b2c3d4e5f6';

/** A voice contact record in Amazon Connect's contact record format (fields as the data model names them). */
export function contactRecord(contactId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    AWSAccountId: '123456789012',
    AWSContactTraceRecordFormatVersion: '2017-03-10',
    Agent: {
      ARN: `${INSTANCE}/agent/0c2a6c3e-1111-4222-8333-944455566677`,
      AfterContactWorkDuration: 12,
      AgentInteractionDuration: 143,
      ConnectedToAgentTimestamp: '2026-03-02T08:00:40Z',
      CustomerHoldDuration: 0,
      NumberOfHolds: 0,
      RoutingProfile: { ARN: `${INSTANCE}/routing-profile/rp1`, Name: 'Front desk' },
      Username: 'alice',
    },
    AgentConnectionAttempts: 1,
    Attributes: {},
    Channel: 'VOICE',
    ConnectedToSystemTimestamp: '2026-03-02T08:00:02Z',
    ContactId: contactId,
    CustomerEndpoint: { Address: '+4930123456', Type: 'TELEPHONE_NUMBER' },
    DisconnectReason: 'CUSTOMER_DISCONNECT',
    DisconnectTimestamp: '2026-03-02T08:03:03Z',
    InitialContactId: null,
    InitiationMethod: 'INBOUND',
    InitiationTimestamp: '2026-03-02T08:00:01Z',
    InstanceARN: INSTANCE,
    LastUpdateTimestamp: '2026-03-02T08:04:10Z',
    NextContactId: null,
    PreviousContactId: null,
    Queue: { ARN: `${INSTANCE}/queue/q1`, DequeueTimestamp: '2026-03-02T08:00:38Z', Duration: 33, EnqueueTimestamp: '2026-03-02T08:00:05Z', Name: 'Support' },
    SystemEndpoint: { Address: '+4930999999', Type: 'TELEPHONE_NUMBER' },
    ...overrides,
  };
}

export const abandoned = (contactId: string) => contactRecord(contactId, { Agent: null, AgentConnectionAttempts: 0, Queue: { ARN: `${INSTANCE}/queue/q1`, DequeueTimestamp: '2026-03-02T08:01:05Z', Duration: 60, EnqueueTimestamp: '2026-03-02T08:00:05Z', Name: 'Support' } });
