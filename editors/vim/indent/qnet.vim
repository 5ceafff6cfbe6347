" Indentation of qnetlang (.qnet) buffers, as `qnetc fmt` lays programs out: two spaces
" a block (C-style, by cindent), and four for the continuation of a long `run` header.
if exists("b:did_indent")
  finish
endif
let b:did_indent = 1

setlocal cindent cinoptions=L0,(s,Ws,m1,J1 cinkeys-=0#
setlocal indentexpr=GetQnetIndent()
setlocal indentkeys=0{,0},0),0],!^F,o,O,e

let b:undo_indent = "setlocal cindent< cinoptions< cinkeys< indentexpr< indentkeys<"

if exists("*GetQnetIndent")
  finish
endif

" Whether the line continues a `run` header begun on the line above.
function! s:ContinuesRun(lnum) abort
  let previous = prevnonblank(a:lnum - 1)
  return previous > 0 && getline(previous) =~# '^run\>' && getline(previous) !~# '[{;]\s*$'
endfunction

function! GetQnetIndent() abort
  if s:ContinuesRun(v:lnum)
    return 2 * shiftwidth()
  endif
  " In the block a continued `run` header opens: indented from the `run` line.
  call cursor(v:lnum, 1)
  let opening = searchpair('{', '', '}', 'bW')
  if opening > 0 && s:ContinuesRun(opening)
    let closing = getline(v:lnum) =~# '^\s*}'
    return indent(prevnonblank(opening - 1)) + (closing ? 0 : shiftwidth())
  endif
  return cindent(v:lnum)
endfunction
