# bash completion for uat: commands, each command's options (read from its --help), trainer
# names (from `uat fit --list-trainers`), catalogue systems (`uat ode --list`) and file names.
_uat() {
  local cur prev cmd
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}
  cmd=${COMP_WORDS[1]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    mapfile -t COMPREPLY < <(compgen -W "fit eval sweep ode sym gradcheck xor logic adapt control extract memory predict --help --version" -- "$cur")
    return
  fi
  case "$prev" in
    --trainer|-T)
      mapfile -t COMPREPLY < <(compgen -W "$("${COMP_WORDS[0]}" fit --list-trainers 2>/dev/null | awk 'NR > 1 { print $1 }')" -- "$cur")
      return ;;
    --gradient)
      mapfile -t COMPREPLY < <(compgen -W "auto forward adjoint" -- "$cur")
      return ;;
    --act|--out-act)
      mapfile -t COMPREPLY < <(compgen -W "identity sigmoid tanh relu softplus sin step softmax" -- "$cur")
      return ;;
  esac
  if [[ "$cur" == -* ]]; then
    local extra=
    [[ " ${COMP_WORDS[*]} " == *" ode-data:"* ]] && extra="--target ode-data:"
    mapfile -t COMPREPLY < <(compgen -W "$("${COMP_WORDS[0]}" "$cmd" $extra --help 2>/dev/null | grep -oE -- '--[a-z][a-z-]*' | sort -u)" -- "$cur")
    return
  fi
  if [ "$cmd" = ode ] && [ "$COMP_CWORD" -eq 2 ]; then
    mapfile -t COMPREPLY < <(compgen -W "$("${COMP_WORDS[0]}" ode --list 2>/dev/null | awk '/^[a-z]/ { print $1 }')" -- "$cur")
    return
  fi
  mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}
complete -o filenames -F _uat uat
