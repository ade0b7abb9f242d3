# bash completion for yima (clients/CLI.md).  `make install` puts it in
# $(PREFIX)/share/bash-completion/completions/yima.
# tests/integration/test_cli_install.py checks it against `yima --help` and
# each subcommand's --help: every subcommand and option is here.

_yima()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null 2>&1; then
		_init_completion || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi

	local subcommands="verify dispense undo trace alerts scan load recall lift withdraw impact
		decommission reactivate unwithdraw alert stock lots sites products contents risk
		backup parse transform coldchain"
	local globals="-h -p -a --tls --cacert --cert --key --json --timeout --help --version"

	# The subcommand: the first word that is not an option or its value.
	local i sub=""
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-h|-p|-a|--cacert|--cert|--key|--timeout) ((i++));;
		--) break;;
		-*) ;;
		*) sub=${words[i]}; break;;
		esac
	done

	# The value of an option: files where it is one, nothing to offer otherwise.
	case $prev in
	--cacert|--cert|--key|--svg)
		COMPREPLY=($(compgen -f -- "$cur"))
		return;;
	--format)
		COMPREPLY=($(compgen -W "csv epcis" -- "$cur"))
		return;;
	--level)
		COMPREPLY=($(compgen -W "1 2 3" -- "$cur"))
		return;;
	--status)
		if [[ $sub == alert* ]]; then
			COMPREPLY=($(compgen -W "open investigating closed" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "in_stock in_transit dispensed destroyed" -- "$cur"))
		fi
		return;;
	--kind)
		if [[ $sub == alerts ]]; then
			COMPREPLY=($(compgen -W "duplicate unknown diversion" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "manufacturer distributor pharmacy hospital regulator" -- "$cur"))
		fi
		return;;
	--class)
		COMPREPLY=($(compgen -W "confirmed_counterfeit resale user_error system_error other" -- "$cur"))
		return;;
	-h|-p|-a|--timeout|--site|--tx|--qty|--since|--limit|--reason|--batch|--tx-prefix|--ref-year|--product|--region|--note)
		return;;
	esac

	local opts=""
	case $sub in
	"") if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$globals" -- "$cur"))
	    else
		COMPREPLY=($(compgen -W "$subcommands" -- "$cur"))
	    fi
	    return;;
	verify) opts="--site --brief";;
	dispense) opts="--site --tx --qty --brief";;
	undo) opts="--site --tx --brief";;
	trace) opts="";;
	alerts) opts="--since --site --kind --status --limit";;
	alert) opts="--status --class --note"
	       [[ $cur != -* && $cword -eq $((i + 1)) ]] && COMPREPLY=($(compgen -W "set" -- "$cur"));;
	stock) opts="--site --product --csv --limit";;
	lots|products|contents) opts="--csv --limit";;
	sites) opts="--kind --region --expired --csv --limit";;
	risk) opts="--since --region --limit --csv";;
	scan) opts="--site --verify-only --receive --tx-prefix --bell --no-bell";;
	load) opts="--format --batch --skip-bad"
	      [[ $cur != -* ]] && COMPREPLY=($(compgen -f -- "$cur"));;
	recall) opts="--level --reason";;
	lift|withdraw|unwithdraw) opts="--reason";;
	decommission) opts="--site --state --ref"
	      [[ $prev == --state ]] &&
		COMPREPLY=($(compgen -W "sample exported stolen checked_out" -- "$cur"));;
	reactivate) opts="--site --ref";;
	transform) opts="--inputs --outputs --site --lot --expiry --product --ref --time";;
	coldchain) opts="--reason"
	       [[ $cur != -* && $cword -eq $((i + 1)) ]] && COMPREPLY=($(compgen -W "release" -- "$cur"));;
	impact) opts="--region --csv --dot --svg --all-sites --codes --site --status";;
	backup) opts="";;
	parse) opts="--ref-year";;
	*) return;;	# a server command: its words are the server's
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts $globals" -- "$cur"))
	fi
}
complete -F _yima yima
