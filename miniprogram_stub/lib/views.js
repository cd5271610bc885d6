/**
 * Pure functions from the card, permit, insurances, contributions and notices responses to
 * display rows. Every word shown is the server's: translated names, formatted dates and money,
 * and, where the server sends a `labels` map, the label of each row.
 */
'use strict';

const { direction, isolate, keyed } = require('./screen');

/** The text of a value: a string, or an object's display/name/label; '' when there is none. */
function textOf(value) {
  if (value === undefined || value === null) {
    return '';
  }
  if (typeof value === 'string' || typeof value === 'number') {
    return String(value);
  }
  if (typeof value === 'object') {
    for (const key of ['display', 'name', 'label', 'title']) {
      if (typeof value[key] === 'string' && value[key]) {
        return value[key];
      }
    }
  }
  return '';
}

/** A term {code, name, term_zh, explanation} as {name, termZh, explanation}, or null. */
function termOf(term) {
  if (!term || typeof term !== 'object') {
    return null;
  }
  return {
    code: term.code || '',
    name: textOf(term.name),
    termZh: term.term_zh && term.term_zh !== term.name ? String(term.term_zh) : '',
    explanation: term.explanation ? String(term.explanation) : '',
  };
}

/**
 * A display row, or null when there is nothing to show. Identifiers and names are isolated so
 * they stay whole inside right-to-left text.
 */
function row(body, key, value, options) {
  const text = textOf(value);
  if (!text) {
    return null;
  }
  const opts = options || {};
  const labels = (body && body.labels) || {};
  return {
    key,
    label: typeof labels[key] === 'string' ? labels[key] : '',
    value: opts.isolate ? isolate(text) : text,
    sub: opts.sub ? String(opts.sub) : '',
  };
}

function compact(rows) {
  return rows.filter(Boolean);
}

/** GET /api/v1/card → status, holder rows, disclaimer, the guide to follow when the card is lost. */
function cardView(body) {
  const card = (body && body.card) || null;
  const holder = (body && body.holder) || {};
  const status = card && card.status ? termOf(card.status) : null;
  if (status) {
    status.changed = textOf(card.status.changed_on);
    status.usable = Boolean(card.status.usable);
  }
  const city = card && card.issuing_city;
  return {
    dir: direction(body),
    title: textOf(body && body.title),
    status,
    rows: compact([
      row(body, 'holder_name', holder.name, { isolate: true }),
      row(body, 'nationality', holder.nationality),
      row(body, 'ssn', holder.ssn_masked, { isolate: true }),
      row(body, 'card_number', card && card.number_masked, { isolate: true }),
      row(body, 'issuing_city', city, { sub: city && city.name_zh }),
    ]),
    disclaimer: textOf(body && body.disclaimer),
    guide: (body && body.next_step && body.next_step.guide) || '',
  };
}

/** GET /api/v1/card/permit → rows of the current permit and its on-site check. */
function permitView(body) {
  const permit = (body && body.permit) || {};
  const employer = permit.employer || {};
  const validity = permit.validity || null;
  const onsite = permit.onsite_check || null;
  const category = termOf(permit.category);
  const status = termOf(permit.status);
  return {
    dir: direction(body),
    title: textOf(body && body.title),
    category,
    status,
    expired: Boolean(validity && validity.expired),
    rows: compact([
      row(body, 'permit_number', permit.number_masked, { isolate: true }),
      row(body, 'employer', employer.name, { sub: employer.name_zh !== employer.name ? employer.name_zh : '' }),
      row(body, 'position', permit.position),
      row(body, 'work_address', permit.work_address),
      row(body, 'work_city', permit.work_city, { sub: permit.work_city && permit.work_city.name_zh }),
      validity ? row(body, 'validity', [textOf(validity.from), textOf(validity.to)].filter(Boolean).join(' – '), { sub: validity.days_left_text }) : null,
    ]),
    onsite: onsite ? {
      explanation: textOf(onsite.explanation),
      deadline: textOf(onsite.deadline),
      daysLeft: textOf(onsite.days_left_text),
      passed: Boolean(onsite.passed),
    } : null,
  };
}

/** GET /api/v1/card/insurances → the five insurances with status, period and exemption. */
function insurancesView(body) {
  const items = ((body && body.insurances) || []).map((item) => {
    const exemption = item.exemption || null;
    const insurance = termOf(item.insurance);
    return {
      // The insurance's code keys the list (wx:key).
      code: (insurance && insurance.code) || '',
      insurance,
      status: termOf(item.status),
      period: [textOf(item.start_period), textOf(item.end_period)].filter(Boolean).join(' – '),
      exemption: exemption ? {
        country: textOf(exemption.country),
        certificate: exemption.certificate_of_coverage ? isolate(exemption.certificate_of_coverage) : '',
        validTo: textOf(exemption.valid_to),
        daysLeft: textOf(exemption.days_left_text),
        expired: Boolean(exemption.expired),
        covers: (exemption.agreement_covers || []).map((term) => textOf(term && term.name)).filter(Boolean),
      } : null,
    };
  });
  return {
    dir: direction(body),
    title: textOf(body && body.title),
    items: keyed(items, (item) => item.code),
    note: textOf(body && body.exemption_note),
    guide: (body && body.guide) || '',
  };
}

/**
 * A coded value of a contributions page as a term: the object itself when the server inlined
 * it, else the code looked up in the response's `labels` table ({insurances, statuses}).
 */
function lookup(body, table, value) {
  if (value && typeof value === 'object') {
    return value;
  }
  const labels = (body && body.labels && body.labels[table]) || {};
  return labels[value] || null;
}

/** One contribution record as a display row. */
function recordRow(body, record) {
  const insurance = lookup(body, 'insurances', record.insurance) || {};
  const employers = (body && body.employers) || {};
  const employer = record.employer || employers[String(record.employer_id)] || null;
  return {
    id: record.id,
    insurance: textOf(insurance.short_name) || textOf(insurance.name) || String(record.insurance || ''),
    insuranceZh: insurance.term_zh ? String(insurance.term_zh) : '',
    employer: textOf(employer),
    employerAmount: textOf(record.employer_amount),
    employeeAmount: textOf(record.employee_amount),
    total: textOf(record.total),
    status: textOf(lookup(body, 'statuses', record.status)) || String(record.status || ''),
    arrears: Boolean(record.arrears),
  };
}

/**
 * GET /api/v1/card/contributions → one page as months of records; `previous` is the view of
 * the pages already shown for the same year, which this page continues.
 */
function contributionsView(body, previous) {
  const months = previous && previous.year === body.year ? previous.months.map((month) => Object.assign({}, month, { records: month.records.slice() })) : [];
  ((body && body.months) || []).forEach((month) => {
    const records = (month.records || []).map((record) => recordRow(body, record));
    const last = months[months.length - 1];
    // A page may end inside a month: the next page continues that month.
    if (last && last.period === month.period) {
      last.records = last.records.concat(records);
    } else {
      months.push({
        period: month.period,
        label: textOf(month.label),
        total: textOf(month.totals && month.totals.total),
        arrears: Boolean(month.has_arrears),
        records,
      });
    }
  });
  const totals = (body && body.totals) || {};
  return {
    dir: direction(body),
    title: textOf(body && body.title),
    year: body.year,
    years: ((body && body.years) || []).slice().sort((a, b) => b - a),
    months,
    total: textOf(totals.total),
    employerTotal: textOf(totals.employer),
    employeeTotal: textOf(totals.employee),
    byInsurance: keyed((totals.by_insurance || []).map((item) => ({
      code: typeof item.insurance === 'string' ? item.insurance : '',
      insurance: textOf(lookup(body, 'insurances', item.insurance)),
      total: textOf(item.total),
    })), (item) => item.code || item.insurance),
    gaps: ((body && body.gaps) || []).map((gap) => textOf(gap.label)),
    arrears: keyed(((body && body.arrears) || []).map((item) => ({
      period: textOf(item.label),
      insurance: textOf(lookup(body, 'insurances', item.insurance)),
      amount: textOf(item.amount),
    })), (item) => `${item.period}/${item.insurance}`),
    nextCursor: (body && body.next_cursor) || '',
  };
}

/** GET /api/v1/notices → inbox items (newest first) with the unread count. */
function noticesView(body) {
  const items = ((body && body.items) || []).map((item) => ({
    id: item.id,
    title: textOf(item.title),
    html: item.body_html || '',
    important: Boolean(item.important),
    read: Boolean(item.read),
    // The server sends an ISO timestamp: its date part reads the same in every language.
    date: textOf(item.published_display) || String(item.published_at || '').slice(0, 10),
    source: item.source ? { title: textOf(item.source.title), url: item.source.url || '', date: textOf(item.source.date) } : null,
    dir: item.dir || direction(body),
  }));
  return {
    dir: direction(body),
    title: textOf(body && body.title),
    items,
    unread: Number(body && body.unread) || 0,
    nextPage: (body && body.next_page) || null,
  };
}

/**
 * GET /api/v1/locales → the settings page's languages: {id, name, dir, tag}, where `tag` is the
 * language's BCP 47 tag (`zh-Hans`, `en-XA`) for `lang`: a locale id (`zh_Hans`, `en@pseudo`) is not one.
 */
function localeOptions(body) {
  const list = Array.isArray(body) ? body : (body && body.locales) || [];
  return list.map((item) => ({
    id: item.id,
    name: item.name,
    dir: item.dir === 'rtl' ? 'rtl' : 'ltr',
    tag: item.bcp47 || String(item.id).split('@')[0].replace('_', '-'),
  }));
}

module.exports = {
  localeOptions,
  textOf,
  termOf,
  row,
  cardView,
  permitView,
  insurancesView,
  contributionsView,
  noticesView,
};
