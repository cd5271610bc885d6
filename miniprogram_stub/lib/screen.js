/**
 * Pure functions from a screen document (docs/architecture.md, "Screen documents") to what the renderer shows, and from
 * what the user entered back to a submission. No wx calls here: node tests run it directly.
 */
'use strict';

// Unicode isolates keep a Latin name or a number in one piece inside right-to-left text.
const FSI = '\u2068';
const PDI = '\u2069';

const PHONE_TYPES = ['wechat_phone', 'phone', 'phone_number', 'phone_code', 'getphonenumber'];
const RADIO_TYPES = ['radio', 'options', 'choice', 'select'];
const CHECKBOX_TYPES = ['checkbox', 'checkboxes', 'boolean'];
const DATE_TYPES = ['date'];

// WeChat <input type> for the screen document's `inputmode`.
const INPUT_TYPES = { numeric: 'number', decimal: 'digit', tel: 'number', text: 'text' };

/**
 * True when `body` looks like a screen document. A screen answered with 4xx also carries the
 * error envelope (`error: {code, message, details}`) beside its fields: still a screen.
 */
function isScreen(body) {
  return Boolean(body && typeof body === 'object' && typeof body.step === 'string' && typeof body.flow === 'string');
}

/**
 * The screen inside a response body: the body itself, or one the server put in an error
 * envelope (`error.details.screen`) or under `screen`; null when there is none.
 */
function screenFromBody(body) {
  if (isScreen(body)) {
    return body;
  }
  if (body && typeof body === 'object') {
    const nested = [body.screen, body.error && body.error.details && body.error.details.screen];
    for (const candidate of nested) {
      if (isScreen(candidate)) {
        return candidate;
      }
    }
  }
  return null;
}

/** 'rtl' or 'ltr' for a document (or any server response carrying `dir`). */
function direction(doc) {
  return doc && doc.dir === 'rtl' ? 'rtl' : 'ltr';
}

/** The renderer's kind of a field: text, date, radio, checkbox, checkboxes or phone. */
function fieldKind(field) {
  const type = String((field && field.type) || 'text').toLowerCase();
  if (PHONE_TYPES.indexOf(type) >= 0) {
    return 'phone';
  }
  if (DATE_TYPES.indexOf(type) >= 0) {
    return 'date';
  }
  if (RADIO_TYPES.indexOf(type) >= 0) {
    return 'radio';
  }
  if (CHECKBOX_TYPES.indexOf(type) >= 0) {
    // A checkbox with options is a multiple choice; without, one box to tick (e.g. consent).
    return Array.isArray(field.options) && field.options.length ? 'checkboxes' : 'checkbox';
  }
  return 'text';
}

/** Options as [{value, label, hint}], whether the server sent objects or plain strings. */
function normalizeOptions(options) {
  if (!Array.isArray(options)) {
    return [];
  }
  return options.map((option) => {
    if (option && typeof option === 'object') {
      const value = option.value !== undefined ? option.value : option.name;
      return {
        value: String(value),
        label: option.label !== undefined ? String(option.label) : String(value),
        hint: option.hint ? String(option.hint) : '',
      };
    }
    return { value: String(option), label: String(option), hint: '' };
  });
}

/** The starting value of a field as the renderer keeps it (string, boolean or list). */
function initialValue(field) {
  const kind = fieldKind(field);
  const value = field.value;
  if (kind === 'checkbox') {
    return value === true || value === 'true' || value === 'on' || value === 1 || value === '1';
  }
  if (kind === 'checkboxes') {
    return Array.isArray(value) ? value.map(String) : [];
  }
  if (kind === 'phone') {
    // A phone code is single use: never reuse one a previous screen carried.
    return '';
  }
  return value === undefined || value === null ? '' : String(value);
}

/** {name: value} for every field of a document. */
function initialValues(doc) {
  const values = {};
  ((doc && doc.fields) || []).forEach((field) => {
    values[field.name] = initialValue(field);
  });
  return values;
}

/** Inline error of a field: its own `error`, else the document's error naming it. */
function fieldError(doc, field) {
  if (field.error) {
    return String(field.error);
  }
  const match = ((doc && doc.errors) || []).find((item) => item && item.field === field.name);
  return match ? String(match.message) : '';
}

/** What the renderer needs for one field. */
function fieldView(doc, field, values) {
  const kind = fieldKind(field);
  const value = values && Object.prototype.hasOwnProperty.call(values, field.name)
    ? values[field.name]
    : initialValue(field);
  const selected = kind === 'checkboxes' ? value : [String(value)];
  return {
    name: field.name,
    id: `field-${field.name}`,
    kind,
    label: field.label ? String(field.label) : '',
    hint: field.hint ? String(field.hint) : '',
    required: Boolean(field.required),
    value,
    checked: kind === 'checkbox' ? Boolean(value) : false,
    error: fieldError(doc, field),
    inputType: INPUT_TYPES[field.inputmode] || 'text',
    maxLength: Number(field.max_length) > 0 ? Number(field.max_length) : -1,
    options: normalizeOptions(field.options).map((option) => Object.assign(option, {
      checked: selected.indexOf(option.value) >= 0,
    })),
  };
}

/**
 * Give each item a `key` for `wx:key`: what identifies it (`identity(item)`), made unique by a
 * suffix when two items share it, so the list keeps its nodes when the server reorders it.
 */
function keyed(items, identity) {
  const seen = {};
  return items.map((item) => {
    const base = String(identity(item) || '_');
    seen[base] = (seen[base] || 0) + 1;
    return Object.assign(item, { key: seen[base] > 1 ? `${base}~${seen[base]}` : base });
  });
}

/** Error summary at the top: every error, each pointing at its field's anchor. */
function errorSummary(doc) {
  const items = [];
  ((doc && doc.errors) || []).forEach((item) => {
    if (item && item.message) {
      items.push({ field: item.field || '', message: String(item.message), anchor: item.field ? `field-${item.field}` : '' });
    }
  });
  // Field errors the server did not repeat in `errors` still belong in the summary.
  ((doc && doc.fields) || []).forEach((field) => {
    if (field.error && !items.some((item) => item.field === field.name)) {
      items.push({ field: field.name, message: String(field.error), anchor: `field-${field.name}` });
    }
  });
  return keyed(items, (item) => item.field || item.message);
}

/**
 * The heading of the error summary: the envelope message a 4xx screen carries (a stale step,
 * a validation failure), unless it only repeats the one field error below it.
 */
function errorHeading(doc) {
  const message = doc && doc.error && typeof doc.error.message === 'string' ? doc.error.message : '';
  if (!message) {
    return '';
  }
  const items = errorSummary(doc);
  return items.length === 1 && items[0].message === message ? '' : message;
}

/** Wrap a value in Unicode isolates so it reads as one run in either direction. */
function isolate(value) {
  return value === undefined || value === null || value === '' ? '' : FSI + String(value) + PDI;
}

/**
 * Summary rows: check-answers rows with their change links, a guide's checklist rows with the
 * note that goes with a row (the phrase to say, the date an agreement took effect).
 */
function summaryRows(doc) {
  const rows = ((doc && doc.summary) || []).map((row) => ({
    label: row.label ? String(row.label) : '',
    value: isolate(row.value),
    note: row.note ? String(row.note) : '',
    change: row.change ? String(row.change) : '',
    changeLabel: row.change_label ? String(row.change_label) : '',
  }));
  return keyed(rows, (row) => row.change || row.label);
}

/** The primary action: the one marked primary, else `continue`/`confirm`, else the first. */
function primaryAction(doc) {
  const actions = (doc && doc.actions) || [];
  return actions.find((action) => action.primary)
    || actions.find((action) => action.name === 'continue' || action.name === 'confirm')
    || actions[0]
    || null;
}

/** The change action's label (for change links in the summary), or ''. */
function changeLabel(doc) {
  const change = ((doc && doc.actions) || []).find((action) => action.name === 'change');
  return change && change.label ? String(change.label) : '';
}

/** Progress as {current, total, percent}, or null when the document has none. */
function progressView(doc) {
  const progress = doc && doc.progress;
  if (!progress || !(Number(progress.total) > 0)) {
    return null;
  }
  const current = Math.max(0, Math.min(Number(progress.current) || 0, Number(progress.total)));
  return {
    current,
    total: Number(progress.total),
    percent: Math.round((current / Number(progress.total)) * 100),
    label: progress.label ? String(progress.label) : '',
  };
}

/** Everything the screen component renders for a document and the values entered so far. */
function viewModel(doc, values) {
  const dir = direction(doc);
  const primary = primaryAction(doc);
  const actions = ((doc && doc.actions) || [])
    .filter((action) => action.name !== 'change')
    .map((action) => ({
      name: action.name,
      label: action.label ? String(action.label) : '',
      primary: Boolean(primary && action.name === primary.name),
      url: action.url || '',
    }));
  const fallbackChange = changeLabel(doc);
  return {
    flow: (doc && doc.flow) || '',
    step: (doc && doc.step) || '',
    locale: (doc && doc.locale) || '',
    dir,
    rtl: dir === 'rtl',
    title: (doc && doc.title) ? String(doc.title) : '',
    body: ((doc && doc.body) || []).map(String),
    progress: progressView(doc),
    errorCode: (doc && doc.error && doc.error.code) || '',
    errorHeading: errorHeading(doc),
    errorSummary: errorSummary(doc),
    fields: ((doc && doc.fields) || []).map((field) => fieldView(doc, field, values)),
    summary: summaryRows(doc).map((row) => Object.assign(row, { changeLabel: row.changeLabel || fallbackChange })),
    primary: actions.find((action) => action.primary) || null,
    secondary: actions.filter((action) => !action.primary),
  };
}

/** A value from a WeChat form event, in the shape the field keeps it. */
function valueFromEvent(field, detailValue) {
  const kind = fieldKind(field);
  if (kind === 'checkbox') {
    // <switch> gives a boolean; a one-box <checkbox-group> gives a list of ticked values.
    return Array.isArray(detailValue) ? detailValue.length > 0 : Boolean(detailValue);
  }
  if (kind === 'checkboxes') {
    return Array.isArray(detailValue) ? detailValue.map(String) : [];
  }
  return detailValue === undefined || detailValue === null ? '' : String(detailValue);
}

/** The answers of a document's own fields, cleaned up for the wire. */
function collectAnswers(doc, values) {
  const answers = {};
  ((doc && doc.fields) || []).forEach((field) => {
    const kind = fieldKind(field);
    let value = values && Object.prototype.hasOwnProperty.call(values, field.name)
      ? values[field.name]
      : initialValue(field);
    if (kind === 'checkbox') {
      value = Boolean(value);
    } else if (kind === 'checkboxes') {
      value = Array.isArray(value) ? value : [];
    } else {
      value = value === undefined || value === null ? '' : String(value).trim();
    }
    answers[field.name] = value;
  });
  return answers;
}

/** The POST body for an action on a document: {step, action, answers}. */
function submission(doc, actionName, values) {
  const action = actionName || (primaryAction(doc) || {}).name || 'continue';
  // Going back sends no answers: nothing half-typed should be validated or saved.
  const answers = action === 'back' ? {} : collectAnswers(doc, values);
  return { step: doc.step, action, answers };
}

/**
 * Where an action on a read-only guide page leads: {page} for another page of the guide, or
 * {close: true} to leave it (Done on the last page, Back on the first).
 */
function guideMove(doc, actionName) {
  const guide = (doc && doc.guide) || {};
  if (actionName === 'back') {
    return guide.previous_page ? { page: guide.previous_page } : { close: true };
  }
  if (actionName === 'continue' && guide.next_page) {
    return { page: guide.next_page };
  }
  return { close: true };
}

/** The POST body for a summary row's change link: action `change` with the field's name. */
function changeSubmission(doc, fieldName) {
  return { step: doc.step, action: 'change', answers: { field: fieldName } };
}

module.exports = {
  isScreen,
  screenFromBody,
  direction,
  fieldKind,
  normalizeOptions,
  initialValue,
  initialValues,
  fieldView,
  errorSummary,
  errorHeading,
  summaryRows,
  primaryAction,
  progressView,
  viewModel,
  valueFromEvent,
  collectAnswers,
  submission,
  changeSubmission,
  guideMove,
  isolate,
  keyed,
};
