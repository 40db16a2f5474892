// The scripts `lb completion bash|zsh|fish` prints. Each calls `lb __complete WORD…` (complete.ts) with the
// words typed after `lb`, the one under the cursor last, and offers the lines it prints; ":files" alone
// means file names. The command is run as typed (`${COMP_WORDS[0]}`…), so a relative path works too.

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

const BASH = `# bash completion for lb: source <(lb completion bash), or save it in
# /etc/bash_completion.d/lb (or ~/.local/share/bash-completion/completions/lb)
_lb_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" out
  out=$("\${COMP_WORDS[0]}" __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return 0
  COMPREPLY=()
  if [[ $out == ":files" ]]; then
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    return 0
  fi
  [[ -n $out ]] && mapfile -t COMPREPLY <<<"$out"
  return 0
}
complete -F _lb_complete lb
`;

const ZSH = `#compdef lb
# zsh completion for lb: source <(lb completion zsh) after compinit, or save it as _lb in a directory
# of $fpath
_lb() {
  local -a candidates
  local out
  out=$("\${words[1]}" __complete "\${(@)words[2,CURRENT]}" 2>/dev/null) || return 1
  if [[ $out == ":files" ]]; then
    _files
    return
  fi
  candidates=("\${(@f)out}")
  candidates=(\${candidates:#})
  (( \${#candidates} )) && compadd -- "\${candidates[@]}"
}
if [[ "\${funcstack[1]}" == "_lb" ]]; then
  _lb "$@"
else
  compdef _lb lb
fi
`;

const FISH = `# fish completion for lb: lb completion fish | source, or save it as
# ~/.config/fish/completions/lb.fish
function __lb_complete
    set -l tokens (commandline -opc)
    set -l lb $tokens[1]
    set -e tokens[1]
    set -l cur (commandline -ct)
    # "$cur" is one argument even when empty: the word being completed
    set -l out ($lb __complete $tokens "$cur" 2>/dev/null)
    if test "$out" = ":files"
        __fish_complete_path "$cur"
        return
    end
    for line in $out
        echo $line
    end
end
complete -c lb -f -a '(__lb_complete)'
`;

export const COMPLETION_SCRIPTS: Readonly<Record<Shell, string>> = { bash: BASH, zsh: ZSH, fish: FISH };
