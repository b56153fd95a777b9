// The host tool the playground offers models: it runs in this page when a model calls it. The
// scripted model never calls tools; a Responses API model may.

import type { SpindleTool } from 'spindle/browser';

export const playgroundTools: SpindleTool[] = [
  {
    name: 'browser_time',
    description: "The current date and time in the user's browser, with its time zone.",
    parameters: { type: 'object', properties: {}, additionalProperties: false },
    handler: () => {
      const now = new Date();
      return `${now.toString()} (${Intl.DateTimeFormat().resolvedOptions().timeZone})`;
    },
  },
];
