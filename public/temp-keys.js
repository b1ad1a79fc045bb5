// Temp-key pages (no inline scripts: CSP script-src 'self'): local times, the browser's time zone for the forms,
// copy-link buttons, and inline open results (htmx swaps refusal fragments of [data-swap-errors] too).
;(function () {
  'use strict'
  var pad = function (n) {
    return String(n).padStart(2, '0')
  }
  var format = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'

  function enhance(root) {
    root.querySelectorAll('time[data-local]').forEach(function (el) {
      var date = new Date(el.getAttribute('datetime'))
      if (!isNaN(date.getTime())) el.textContent = format.format(date)
      el.removeAttribute('data-local')
    })
    root.querySelectorAll('input[data-timezone]').forEach(function (el) {
      el.value = zone
    })
    root.querySelectorAll('input[data-timezone-default]').forEach(function (el) {
      el.value = zone
      el.removeAttribute('data-timezone-default')
    })
    root.querySelectorAll('[data-timezone-label]').forEach(function (el) {
      el.textContent = 'your time zone (' + zone + ')'
    })
    root.querySelectorAll('input[data-utc]').forEach(function (el) {
      var date = new Date(el.getAttribute('data-utc'))
      if (!isNaN(date.getTime())) {
        el.value =
          date.getFullYear() + '-' + pad(date.getMonth() + 1) + '-' + pad(date.getDate()) + 'T' + pad(date.getHours()) + ':' + pad(date.getMinutes())
      }
      el.removeAttribute('data-utc')
    })
    if (navigator.clipboard) {
      root.querySelectorAll('button[data-copy]').forEach(function (el) {
        el.hidden = false
      })
    }
  }

  document.addEventListener('click', function (event) {
    var button = event.target instanceof Element ? event.target.closest('button[data-copy]') : null
    if (!button || !navigator.clipboard) return
    var status = button.parentElement ? button.parentElement.querySelector('.copy-status') : null
    navigator.clipboard.writeText(button.getAttribute('data-copy') || '').then(
      function () {
        if (status) status.textContent = 'Link copied'
      },
      function () {
        if (status) status.textContent = 'Copy failed: select the link and copy it'
      },
    )
  })

  // A refusal (4xx/5xx) still carries the card to show; htmx swaps only 2xx by default.
  document.addEventListener('htmx:beforeSwap', function (event) {
    var elt = event.detail && event.detail.elt
    if (event.detail.xhr.status >= 400 && elt instanceof Element && elt.closest('[data-swap-errors]')) {
      event.detail.shouldSwap = true
      event.detail.isError = false
    }
  })

  // After an inline result, move focus to it so keyboard and screen-reader users hear what happened.
  document.addEventListener('htmx:afterSwap', function (event) {
    var result = event.target instanceof Element ? event.target.querySelector('.result') : null
    if (result) result.focus()
  })

  document.addEventListener('htmx:load', function (event) {
    if (event.target instanceof Element) enhance(event.target)
  })
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () {
      enhance(document)
    })
  } else {
    enhance(document)
  }
})()
