" Settings for qnetlang (.qnet) buffers: comments and tab widths (indent/qnet.vim indents).
if exists("b:did_ftplugin")
  finish
endif
let b:did_ftplugin = 1

setlocal commentstring=//\ %s
setlocal comments=s1:/*,mb:*,ex:*/,:///,://
setlocal formatoptions-=t formatoptions+=croql
setlocal expandtab shiftwidth=2 softtabstop=2
setlocal suffixesadd=.qnet

let b:undo_ftplugin = "setlocal commentstring< comments< formatoptions< expandtab< " .
      \ "shiftwidth< softtabstop< suffixesadd<"
