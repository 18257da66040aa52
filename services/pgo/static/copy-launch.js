// The demo's "pause before the module launch" page: copies the launch URL to the clipboard.
/* global document, navigator */
for (const button of document.querySelectorAll('[data-copy]')) {
  button.addEventListener('click', async () => {
    const field = document.getElementById(button.dataset.copy);
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = 'Gekopieerd';
    } catch {
      button.textContent = 'Selecteer en kopieer zelf (Ctrl+C)';
    }
  });
}
