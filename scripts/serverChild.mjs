// What the screenshot scripts share about the built server they run as a child process.

/** Resolves with the address the child server prints once it listens ("listening on http://…"); rejects if it exits first. */
export function listeningUrl(child) {
  return new Promise((resolveUrl, reject) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(text);
      if (match) resolveUrl(match[1]);
    });
    child.stderr.on('data', (chunk) => process.stderr.write(chunk));
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
  });
}
