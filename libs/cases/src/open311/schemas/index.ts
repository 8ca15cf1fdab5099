/**
 * JSON Schemas (draft 2020-12 subset that ajv 8 reads) of Open311 GeoReport v2's responses, written
 * from the field tables of the spec (http://wiki.open311.org/GeoReport_v2): which fields are required,
 * their types, the enumerations and the W3C date-time format. Our extensions are named and typed
 * too (`extended_status`, `notes`); `additionalProperties: false` makes a field nobody wrote down —
 * a poster's email, say — a failure. The conformance spec validates every response against them.
 */
import { FIXMYSTREET_STATUSES, OPEN311_STATUSES } from '../status';

const text = { type: 'string' } as const;
const optionalText = { type: ['string', 'null'] } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const optionalDateTime = { type: ['string', 'null'], format: 'date-time' } as const;

/** `GET services.json`: the list of services (spec: "GET Service List"). */
export const servicesSchema = {
  $id: 'open311/services',
  type: 'array',
  items: {
    type: 'object',
    required: ['service_code', 'service_name', 'metadata', 'type'],
    additionalProperties: false,
    properties: {
      service_code: { type: 'string', minLength: 1 },
      service_name: { type: 'string', minLength: 1 },
      description: optionalText,
      metadata: { type: 'boolean' },
      type: { enum: ['realtime', 'batch', 'blacklist'] },
      keywords: optionalText,
      group: optionalText,
    },
  },
} as const;

/** `GET services/{code}.json` (spec: "GET Service Definition"). */
export const serviceDefinitionSchema = {
  $id: 'open311/service-definition',
  type: 'object',
  required: ['service_code', 'attributes'],
  additionalProperties: false,
  properties: {
    service_code: { type: 'string', minLength: 1 },
    attributes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['variable', 'code', 'datatype', 'required', 'order', 'description'],
        additionalProperties: false,
        properties: {
          variable: { type: 'boolean' },
          code: { type: 'string', minLength: 1 },
          datatype: { enum: ['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'] },
          required: { type: 'boolean' },
          datatype_description: optionalText,
          order: { type: 'integer', minimum: 0 },
          description: text,
          values: {
            type: 'array',
            items: {
              type: 'object',
              required: ['key', 'name'],
              additionalProperties: false,
              properties: { key: { type: 'string', minLength: 1 }, name: text },
            },
          },
        },
        // The spec: values are given for the list types (and only there).
        if: { properties: { datatype: { enum: ['singlevaluelist', 'multivaluelist'] } } },
        then: { properties: { values: true }, required: ['values'] },
        else: { not: { properties: { values: true }, required: ['values'] } },
      },
    },
  },
} as const;

const note = {
  type: 'object',
  required: ['type', 'status', 'datetime', 'description'],
  additionalProperties: false,
  properties: {
    type: { enum: ['status', 'note'] },
    status: { enum: [...FIXMYSTREET_STATUSES] },
    datetime: dateTime,
    description: text,
  },
} as const;

const request = {
  type: 'object',
  required: ['service_request_id', 'status', 'service_code', 'requested_datetime'],
  additionalProperties: false,
  properties: {
    service_request_id: { type: 'string', minLength: 1 },
    status: { enum: [...OPEN311_STATUSES] },
    extended_status: { enum: [...FIXMYSTREET_STATUSES] },
    status_notes: optionalText,
    service_name: optionalText,
    service_code: { type: 'string', minLength: 1 },
    description: optionalText,
    agency_responsible: optionalText,
    service_notice: optionalText,
    requested_datetime: dateTime,
    updated_datetime: optionalDateTime,
    expected_datetime: optionalDateTime,
    address: optionalText,
    address_id: optionalText,
    zipcode: optionalText,
    lat: { type: ['number', 'null'], minimum: -90, maximum: 90 },
    long: { type: ['number', 'null'], minimum: -180, maximum: 180 },
    media_url: { type: ['string', 'null'], format: 'uri' },
    notes: { type: 'array', items: note },
  },
} as const;

/** `GET requests.json` and `GET requests/{id}.json` (spec: "GET Service Requests", "GET Service Request"). */
export const requestsSchema = {
  $id: 'open311/requests',
  type: 'array',
  items: request,
} as const;

/** `POST requests.json` (spec: "POST Service Request"): one of service_request_id and token. */
export const postResponseSchema = {
  $id: 'open311/post-response',
  type: 'array',
  minItems: 1,
  maxItems: 1,
  items: {
    type: 'object',
    anyOf: [
      { properties: { service_request_id: true }, required: ['service_request_id'] },
      { properties: { token: true }, required: ['token'] },
    ],
    additionalProperties: false,
    properties: {
      service_request_id: { type: 'string', minLength: 1 },
      token: { type: 'string', minLength: 1 },
      service_notice: optionalText,
      account_id: optionalText,
    },
  },
} as const;

/** Every refusal (spec: "Errors"): a list of `{code, description}`. */
export const errorsSchema = {
  $id: 'open311/errors',
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    required: ['code', 'description'],
    additionalProperties: false,
    properties: {
      code: { type: 'integer', minimum: 400, maximum: 599 },
      description: { type: 'string', minLength: 1 },
    },
  },
} as const;

/** `GET discovery.json` (spec: "Service Discovery"). */
export const discoverySchema = {
  $id: 'open311/discovery',
  type: 'object',
  required: ['changeset', 'contact', 'key_service', 'endpoints'],
  additionalProperties: false,
  properties: {
    changeset: dateTime,
    contact: text,
    key_service: text,
    endpoints: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['specification', 'url', 'changeset', 'type', 'formats'],
        additionalProperties: false,
        properties: {
          specification: { type: 'string', format: 'uri' },
          url: { type: 'string', format: 'uri' },
          changeset: dateTime,
          type: { enum: ['production', 'test'] },
          formats: { type: 'array', minItems: 1, items: { enum: ['application/json', 'text/xml'] } },
        },
      },
    },
  },
} as const;

export const OPEN311_SCHEMAS = [
  servicesSchema,
  serviceDefinitionSchema,
  requestsSchema,
  postResponseSchema,
  errorsSchema,
  discoverySchema,
] as const;
